// Drawing a signature with signature_pad (npm, static/vendor/): the PNG goes with the form as a data URL.
(function () {
  "use strict";
  var canvas = document.getElementById("signature-canvas");
  if (!canvas || !window.SignaturePad) { return; }
  var pad = new window.SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#000" });

  function fit() {
    // A sharp line on high-density screens: size the bitmap to the device pixels (this clears the pad).
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
  }
  window.addEventListener("resize", fit);
  fit();

  document.getElementById("signature-clear").addEventListener("click", function () { pad.clear(); });
  // An organisation's seal image (optional), beside the signature of the person who signs for it: sent as a PNG.
  var sealFile = document.getElementById("seal-file");
  if (sealFile) {
    sealFile.addEventListener("change", function () {
      var file = sealFile.files[0];
      var seal = document.getElementById("seal-image");
      seal.value = "";
      if (!file) { return; }
      var image = new Image();
      image.onload = function () {
        var scale = Math.min(1, 600 / Math.max(image.width, image.height));
        var drawn = document.createElement("canvas");
        drawn.width = Math.max(20, Math.round(image.width * scale));
        drawn.height = Math.max(20, Math.round(image.height * scale));
        drawn.getContext("2d").drawImage(image, 0, 0, drawn.width, drawn.height);
        seal.value = drawn.toDataURL("image/png");
        URL.revokeObjectURL(image.src);
      };
      image.src = URL.createObjectURL(file);
    });
  }
  document.getElementById("sign-form").addEventListener("submit", function (event) {
    var empty = document.getElementById("signature-empty");
    if (pad.isEmpty()) {
      event.preventDefault();
      empty.hidden = false;
      return;
    }
    empty.hidden = true;
    document.getElementById("signature-image").value = pad.toDataURL("image/png");
  });
}());
