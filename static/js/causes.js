// A cause chosen in the clarify form shows its warning at once: arbitration will not accept it, or what it needs.
(function () {
  "use strict";
  var selects = document.querySelectorAll("select.cause");
  Array.prototype.forEach.call(selects, function (select) {
    var box = document.getElementById("cause-warning-" + select.id.replace("cause-", ""));
    if (!box) { return; }
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      var warning = option ? option.getAttribute("data-warning") : "";
      box.textContent = warning || "";
      box.hidden = !warning;
    });
  });
}());
