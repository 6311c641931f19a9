// Evidence upload with a progress bar: each file goes to /h5/files; its id joins the step's form.
(function () {
  "use strict";
  var script = document.getElementById("upload-script");
  var input = document.getElementById("file-input");
  var bar = document.getElementById("upload-bar");
  var progress = document.getElementById("upload-progress");
  var errorBox = document.getElementById("upload-error");
  var list = document.getElementById("evidence-list");

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    errorBox.hidden = true;
    var data = new FormData();
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/h5/files");
    xhr.setRequestHeader("X-XSRFToken", script.dataset.xsrf);
    progress.hidden = false;
    bar.style.width = "0%";
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) { bar.style.width = Math.round(100 * event.loaded / event.total) + "%"; }
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = {}; }
      if (xhr.status === 201) {
        bar.style.width = "100%";
        var item = document.createElement("li");
        item.dataset.id = body.id;
        item.textContent = body.name + "（" + Math.ceil(body.size / 1024) + " KB，已上传）";
        var hidden = document.createElement("input");
        hidden.type = "hidden"; hidden.name = "evidence"; hidden.value = body.id;
        item.appendChild(hidden);
        list.appendChild(item);
        input.value = "";
      } else {
        showError((body.error && body.error.message) || "上传失败，请稍后再试");
      }
    };
    xhr.onerror = function () { showError("网络中断，上传失败，请重试"); };
    xhr.send(data);
  });
}());
