// Evidence upload with a progress bar: each file goes to /h5/files; its id joins the step's form (which saves
// itself: form.js), with a "删除" button that takes it out again. A file over the size rule (data-max-bytes) is
// refused here with the rule's words (data-too-large); the server's refusal is shown in its own words.
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

  function added(body) {
    var item = document.createElement("li");
    item.dataset.id = body.id;
    var name = document.createElement("span");
    name.className = "evidence-name";
    name.textContent = body.name;
    var size = document.createElement("span");
    size.className = "meta";
    size.textContent = " " + Math.ceil(body.size / 1024) + " KB ";
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "evidence"; hidden.value = body.id;
    item.appendChild(name); item.appendChild(size); item.appendChild(hidden);
    ["source", "proves"].forEach(function (field) {  // where it came from, what it proves: optional
      if (!list.getAttribute("data-" + field)) { return; }
      var note = document.createElement("input");
      note.className = "weui-input evidence-note"; note.name = field + "." + body.id;
      note.maxLength = field === "source" ? 100 : 200;
      note.placeholder = list.getAttribute("data-" + field);
      note.setAttribute("aria-label", note.placeholder);
      item.appendChild(note);
    });
    if (list.getAttribute("data-remove")) {
      var remove = document.createElement("button");
      remove.type = "submit"; remove.name = "remove"; remove.value = body.id;
      remove.className = "link-button evidence-remove";
      remove.textContent = list.getAttribute("data-remove");
      item.appendChild(remove);
    }
    list.appendChild(item);
    list.dispatchEvent(new Event("change", { bubbles: true }));  // the step saves itself with the new file
  }

  input.addEventListener("change", function () {
    var file = input.files[0];
    if (!file) { return; }
    errorBox.hidden = true;
    // Over the limit: said at once, in the server's words, rather than after sending it all for a 413.
    if (script.dataset.maxBytes && file.size > Number(script.dataset.maxBytes)) {
      showError(script.dataset.tooLarge);
      input.value = "";
      return;
    }
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
        added(body);
        input.value = "";
      } else {
        showError((body.error && body.error.message) || script.dataset.failed);
      }
    };
    xhr.onerror = function () { showError(script.dataset.offline); };
    xhr.send(data);
  });
}());
