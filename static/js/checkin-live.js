// The organizer's check-in page: polls the live numbers every few seconds (ETag: unchanged numbers
// cost a 304) and swaps the fragment in when they changed.
(function () {
  var box = document.getElementById("live");
  if (!box) return;
  var url = box.getAttribute("data-url"), every = (+box.getAttribute("data-every") || 5) * 1000;
  var etag = box.getAttribute("data-etag") || null, status = document.getElementById("live-status");

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin" }).then(function (response) {
      if (response.status === 304) return null;
      if (!response.ok) throw new Error(String(response.status));
      etag = response.headers.get("ETag");
      return response.text();
    }).then(function (html) {
      if (html !== null && html !== undefined) {
        box.innerHTML = html;  // our own server-rendered, escaped fragment
        box.setAttribute("data-refreshed", String(Date.now()));
      }
      status.classList.remove("flash-error");
    }).catch(function () {
      status.classList.add("flash-error");
    }).finally(function () {
      setTimeout(poll, every);
    });
  }
  setTimeout(poll, every);
})();
