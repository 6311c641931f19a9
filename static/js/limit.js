// A file input's size rule (data-max-bytes), said before a byte is sent: a file over it is refused on the page with
// the rule's words (data-too-large), in the form's alert (.error[role=alert]), and the form is not sent with it.
// The server keeps the same rule (a 413 that shows the form again with the same words).
(function () {
  "use strict";
  function tooLarge(input) {
    var limit = Number(input.getAttribute("data-max-bytes") || 0);
    return limit && input.files && input.files[0] && input.files[0].size > limit;
  }
  function say(input, show) {
    var box = input.form && input.form.querySelector(".error[role=alert]");
    if (!box) { return; }
    box.textContent = show ? input.getAttribute("data-too-large") : "";
    box.hidden = !show;
  }
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
    input.addEventListener("change", function () { say(input, tooLarge(input)); });
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (tooLarge(input)) { event.preventDefault(); say(input, true); }
      });
    }
  });
}());
