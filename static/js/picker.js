// Typeahead for choosing a person or a request (templates/meetings/_picker.html). Without this
// file the picker still works: its Search button submits the form and the page lists the matches.
(function () {
  "use strict";
  var SENTINEL = "987654321";

  function setup(root) {
    var input = root.querySelector("input[type=search]");
    var list = root.querySelector(".picker-results");
    var status = root.querySelector(".picker-status");
    var find = root.querySelector(".picker-find");
    var name = root.getAttribute("data-name");
    var links = root.getAttribute("data-links");
    var url = root.getAttribute("data-url");
    var asked = 0, timer = null, active = -1, lastQuery = null;
    root.classList.add("js");

    function options() { return Array.prototype.slice.call(list.querySelectorAll("li")); }

    function chosen() { return list.querySelector("input[type=radio]:checked"); }

    function highlight(index) {
      var items = options();
      items.forEach(function (li, i) { li.classList.toggle("active", i === index); });
      active = index;
      if (index >= 0 && items[index]) {
        input.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({block: "nearest"});
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function item(result, checked) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = name + "-opt-" + result.id;
      li.setAttribute("aria-selected", checked ? "true" : "false");
      var label = document.createElement(links ? "a" : "label");
      if (links) {
        label.href = links.replace(SENTINEL, String(result.id));
      } else {
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = name;
        radio.value = String(result.id);
        radio.checked = !!checked;
        label.appendChild(radio);
        label.appendChild(document.createTextNode(" "));
      }
      var text = document.createElement("span");
      text.textContent = result.label;
      var detail = document.createElement("small");
      detail.textContent = result.detail || "";
      label.appendChild(text);
      label.appendChild(document.createTextNode(" "));
      label.appendChild(detail);
      li.appendChild(label);
      return li;
    }

    function current() {
      var radio = chosen();
      if (!radio) { return null; }
      var li = radio.closest("li");
      return {id: radio.value, label: li.querySelector("span").textContent,
              detail: li.querySelector("small").textContent};
    }

    function show(results, query) {
      var keep = current();
      list.innerHTML = "";
      if (keep) { list.appendChild(item(keep, true)); }
      results.forEach(function (result) {
        if (!keep || String(result.id) !== keep.id) { list.appendChild(item(result, false)); }
      });
      input.setAttribute("aria-expanded", results.length ? "true" : "false");
      status.textContent = query && !results.length ? root.getAttribute("data-none") : "";
      highlight(keep && results.length ? 1 : (results.length ? 0 : -1));
    }

    function collapse() {
      var keep = current();
      list.innerHTML = "";
      if (keep) { list.appendChild(item(keep, true)); }
      input.setAttribute("aria-expanded", "false");
      highlight(-1);
    }

    function search() {
      var query = input.value.trim();
      if (query === lastQuery) { return; }
      lastQuery = query;
      var number = ++asked;
      if (!query) { show([], ""); return; }
      var address = url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(query);
      fetch(address, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (data) {
          if (number !== asked) { return; }  // an older answer after a newer question: dropped
          show(data.results || [], query);
          find.hidden = true;
        })
        .catch(function () {
          if (number !== asked) { return; }
          lastQuery = null;
          status.textContent = root.getAttribute("data-failed");
          find.hidden = false;  // the Search button still works: it submits the form
        });
    }

    function choose(li) {
      if (links) { var a = li.querySelector("a"); if (a) { window.location.href = a.href; } return; }
      var radio = li.querySelector("input[type=radio]");
      if (!radio) { return; }
      radio.checked = true;
      radio.dispatchEvent(new Event("change", {bubbles: true}));
      collapse();
      input.value = "";
      lastQuery = "";
    }

    find.hidden = true;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      var items = options();
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (items.length) { highlight(Math.min(active + 1, items.length - 1)); }
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (items.length) { highlight(Math.max(active - 1, 0)); }
      } else if (event.key === "Enter") {
        event.preventDefault();  // Enter chooses, it never sends the form half filled
        if (active >= 0 && items[active]) { choose(items[active]); } else { clearTimeout(timer); search(); }
      } else if (event.key === "Escape") {
        collapse();
      }
    });
    list.addEventListener("change", function (event) {
      if (event.target.type === "radio") { collapse(); input.value = ""; lastQuery = ""; }
    });
    list.addEventListener("click", function (event) {
      var li = event.target.closest("li");
      if (li && event.target.tagName !== "INPUT" && !links) {
        event.preventDefault();
        choose(li);
      }
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll(".picker"), setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
