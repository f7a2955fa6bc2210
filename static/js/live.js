// The big screen: polls the summary every second (ETag: an unchanged ledger costs a 304) and
// redraws what changed. Works the same whichever worker or machine answers.
(function () {
  var body = document.body;
  var url = body.getAttribute("data-summary-url");
  var etag = null;
  var undisclosed = document.getElementById("labels").getAttribute("data-undisclosed-label");

  function text(id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== String(value)) {
      el.textContent = value;
      el.classList.remove("flash");
      void el.offsetWidth;
      el.classList.add("flash");
    }
  }

  function list(id, items, render) {
    var el = document.getElementById(id);
    while (el.firstChild) el.removeChild(el.firstChild);
    items.forEach(function (item) { el.appendChild(render(item)); });
  }

  function li(parts) {
    var item = document.createElement("li");
    parts.forEach(function (p) {
      var node = document.createElement(p[0]);
      node.textContent = p[1];
      item.appendChild(node);
    });
    return item;
  }

  function draw(data) {
    body.setAttribute("data-seq", data.seq);
    text("total-number", data.total.cn_number);
    text("total-unit", data.total.cn_unit);
    text("total-exact", data.total.yuan + " 元");
    text("contracts", data.contracts);
    list("by-category", data.by_category, function (c) {
      // a contract type whose contracts are all undisclosed has no amount, not "0 yuan"
      return li([["span", c.label], ["b", c.fen === 0 && c.undisclosed ? undisclosed : c.cn]]);
    });
    list("latest", data.latest, function (e) {
      return li([["b", e.title], ["span", e.parties.join("、")], ["em", e.amount || undisclosed]]);
    });
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store" }).then(function (response) {
      document.getElementById("status").className = "ok";
      if (response.status === 304) return null;
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (data) {
      if (data) draw(data);
    }).catch(function () {
      document.getElementById("status").className = "offline";
    }).finally(function () {
      setTimeout(poll, 1000);
    });
  }
  poll();
})();
