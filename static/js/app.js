// Small progressive enhancements; every page works without them.
document.addEventListener("submit", function (event) {
  var form = event.target;
  // a question on the form, or on the button that sent it (one form, several actions)
  var question = (event.submitter && event.submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
    return;
  }
  // one submission per click: a second tap on a slow phone connection sends nothing more
  if (form.dataset.sent === "1") {
    event.preventDefault();
    return;
  }
  if (form.method.toLowerCase() === "post") {
    form.dataset.sent = "1";
    setTimeout(function () { form.dataset.sent = ""; }, 8000);
  }
});

// a checkbox that ticks every box of its list: data-select-all="<name of the boxes>", same form
document.addEventListener("change", function (event) {
  var all = event.target;
  if (!all.matches || !all.matches("input[data-select-all]")) return;
  var form = all.getAttribute("form");
  var selector = 'input[type="checkbox"][name="' + all.getAttribute("data-select-all") + '"]' +
    (form ? '[form="' + form + '"]' : "");
  document.querySelectorAll(selector).forEach(function (box) { box.checked = all.checked; });
});
