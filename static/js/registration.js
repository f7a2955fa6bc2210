// The registration form's enhancements. Everything works without them: the error summary is at
// the top, the organisation field has a search button, full categories are named in the page.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // --- the error summary: focused when the page comes back; its links focus their field
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-focus]");
      if (!link) return;
      var target = document.getElementById(link.getAttribute("data-focus"));
      if (!target) return;
      event.preventDefault();
      var field = target.closest(".field") || target;
      field.scrollIntoView({ block: "start" });
      target.focus({ preventScroll: true });
    });
  }

  // --- length limits: a counter instead of a maxlength that would cut a paste short silently
  document.querySelectorAll("[data-counter-for]").forEach(function (counter) {
    var input = document.getElementById(counter.getAttribute("data-counter-for"));
    if (!input) return;
    var limit = parseInt(input.getAttribute("data-maxlength"), 10) || 0;
    var template = counter.getAttribute("data-template");
    function update() {
      var used = Array.from(input.value).length; // characters, not UTF-16 units
      counter.textContent = template.replace("{used}", used);
      counter.classList.toggle("over", limit > 0 && used > limit);
    }
    input.addEventListener("input", update);
    if (input.value) update();
  });

  // --- the category's waitlist notice follows the choice
  var category = document.querySelector("#category-field select");
  if (category) {
    var followChoice = function () {
      document.querySelectorAll("#category-notice [data-category]").forEach(function (notice) {
        if (notice.getAttribute("data-category") === category.value) notice.removeAttribute("data-other");
        else notice.setAttribute("data-other", "1");
      });
    };
    category.addEventListener("change", followChoice);
    followChoice();
  }

  // --- the organisation typeahead (ARIA combobox with a listbox)
  var box = document.querySelector(".typeahead[data-typeahead-url]");
  if (!box) return;
  var input = box.querySelector("[role=combobox]");
  var list = box.querySelector("[role=listbox]");
  var status = box.querySelector("[role=status]");
  var typeSelect = document.getElementById(box.getAttribute("data-type-select"));
  var url = box.getAttribute("data-typeahead-url");
  var items = [], active = -1, timer = null, asked = "", controller = null;

  function close() {
    list.hidden = true;
    list.innerHTML = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(text, query) {
    var fragment = document.createDocumentFragment();
    var at = query ? text.toLowerCase().indexOf(query.toLowerCase()) : -1;
    if (at < 0) { fragment.appendChild(document.createTextNode(text)); return fragment; }
    fragment.appendChild(document.createTextNode(text.slice(0, at)));
    var mark = document.createElement("mark");
    mark.textContent = text.slice(at, at + query.length);
    fragment.appendChild(mark);
    fragment.appendChild(document.createTextNode(text.slice(at + query.length)));
    return fragment;
  }

  function showResults(results, query) {
    list.innerHTML = "";
    items = results;
    active = -1;
    results.forEach(function (result, index) {
      var option = document.createElement("li");
      option.id = "organisation-option-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.appendChild(highlight(result.name, query));
      var type = document.createElement("span");
      type.className = "type";
      type.textContent = result.type_label;
      option.appendChild(type);
      option.addEventListener("mousedown", function (event) { event.preventDefault(); choose(index); });
      list.appendChild(option);
    });
    var open = results.length > 0;
    list.hidden = !open;
    input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = open ? box.getAttribute("data-results").replace("{n}", results.length)
                              : (query ? box.getAttribute("data-no-results") : "");
  }

  function move(to) {
    if (!items.length) return;
    active = (to + items.length) % items.length;
    Array.from(list.children).forEach(function (option, index) {
      option.setAttribute("aria-selected", index === active ? "true" : "false");
    });
    var current = list.children[active];
    input.setAttribute("aria-activedescendant", current.id);
    current.scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    var result = items[index];
    if (!result) return;
    input.value = result.name;
    asked = result.name.trim(); // the counter hears the input event below; the search must not
    if (typeSelect && result.type) typeSelect.value = result.type;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    close();
    status.textContent = result.name;
  }

  function ask() {
    var query = input.value.trim();
    if (query === asked) return;
    asked = query;
    if (!query) { close(); return; }
    if (controller) controller.abort();
    controller = typeof AbortController === "function" ? new AbortController() : null;
    fetch(url + "?q=" + encodeURIComponent(query), { headers: { Accept: "application/json" },
                                                    signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (results) { if (input.value.trim() === query) showResults(results, query); })
      .catch(function (error) { if (window.console) console.debug("organisation search:", error); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) { asked = ""; ask(); } else move(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(active - 1); }
    else if (event.key === "Enter" && !list.hidden && active >= 0) { event.preventDefault(); choose(active); }
    else if (event.key === "Escape" && !list.hidden) { event.preventDefault(); close(); }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
})();
