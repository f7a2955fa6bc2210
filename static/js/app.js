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
