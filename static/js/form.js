// What every form step does in the browser:
// - after a failed save, the error summary at the top is scrolled into view and takes focus (its first link);
//   a link of the summary moves to its field and focuses it;
// - the step is saved as the person types (autosave=1, in the background) and once more when the page is
//   closed or hidden (sendBeacon), so closing the page loses nothing.
(function () {
  "use strict";

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.scrollIntoView({ block: "start" });
    var first = summary.querySelector("a");
    (first || summary).focus({ preventScroll: true });
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-field]");
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("data-field"));
      if (!field) { return; }
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector("[data-autosave-status]");
  var timer = null;
  var dirty = false;
  var submitting = false;

  function payload() {
    var data = new FormData(form);
    data.append("autosave", "1");
    return data;
  }

  function save() {
    timer = null;
    if (!dirty || submitting) { return; }
    dirty = false;
    fetch(form.action, { method: "POST", body: payload(), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (body) {
        if (status && body.saved) {
          status.textContent = status.getAttribute("data-saved").replace("{time}", body.at.slice(11, 16));
        }
      })
      .catch(function () {
        dirty = true;
        if (status) { status.textContent = status.getAttribute("data-failed"); }
      });
  }

  function changed() {
    dirty = true;
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(save, 800);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () { submitting = true; if (timer) { clearTimeout(timer); } });
  function leaving() {
    if (dirty && !submitting && navigator.sendBeacon) {
      dirty = !navigator.sendBeacon(form.action, payload());
    }
  }
  window.addEventListener("pagehide", leaving);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { leaving(); }
  });
}());
