// The job page follows its job: the bar and the count move by themselves while the job runs;
// when it ends, the page is loaded again to show the result (or the error).
(function () {
  var box = document.getElementById("job");
  if (!box) return;
  var state = box.getAttribute("data-state");
  if (state === "done" || state === "failed") return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-count");
  var note = document.getElementById("job-note");
  var label = document.getElementById("job-state");
  var delay = 700;

  function show(data) {
    if (data.total) {
      bar.value = data.percent;
      count.textContent = data.done.toLocaleString() + " / " + data.total.toLocaleString() + " · " + data.percent + "%";
    } else {
      bar.removeAttribute("value");  // working, without a count
      count.textContent = "";
    }
    note.textContent = data.note || "";
    label.textContent = data.label;
    label.className = "badge state-" + data.state;
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin", cache: "no-store"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        show(data);
        if (data.finished) { window.location.reload(); return; }
        delay = 700;
        setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 10000); setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
