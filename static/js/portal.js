// Portal sign-in: the card QR code (ask for a ticket, show it, long-poll it) and SMS code buttons.
(function () {
  "use strict";
  var card = document.getElementById("card-script");
  var sms = document.getElementById("sms-script");

  // The page's words in its language (data-w-* on the script element; handlers put them from the catalogue).
  function word(script, name, params) {
    var text = (script && script.getAttribute("data-w-" + name)) || "";
    Object.keys(params || {}).forEach(function (key) { text = text.split("{" + key + "}").join(params[key]); });
    return text;
  }

  function errorMessage(response, fallback) {
    return response.json().then(function (body) {
      return (body && body.error && body.error.message) || fallback;
    }, function () { return fallback; });
  }

  if (card) {
    var statusBox = document.getElementById("card-status");
    var image = document.getElementById("card-qr");
    var refresh = document.getElementById("card-refresh");
    var link = document.getElementById("card-link");
    var generation = 0;  // a refreshed code stops the previous one's polling

    var say = function (text, problem) {
      statusBox.textContent = text;
      statusBox.className = problem ? "field-error" : "hint";
      statusBox.dataset.problem = problem ? "1" : "";
    };
    var offerPassword = function () {
      var login = document.getElementById("f-login");
      if (login) { login.focus(); }
    };
    var stopped = function (text, problem) {
      if (image) { image.hidden = true; }
      if (link) { link.hidden = true; }
      if (refresh) { refresh.hidden = false; }
      say(text, problem);
      if (problem) { offerPassword(); }
    };
    var poll = function (url, mine) {
      fetch(url + "?wait=20", {credentials: "same-origin", headers: {"X-XSRFToken": card.dataset.xsrf}})
        .then(function (response) {
          if (mine !== generation) { return; }
          if (!response.ok) {
            return errorMessage(response, word(card, "poll-failed")).then(function (text) { stopped(text, true); });
          }
          return response.json().then(function (body) {
            if (body.state === "confirmed") {
              say(word(card, "confirmed"), false);
              window.location.assign(body.next || "/h5/apply");
            } else if (body.state === "pending") {
              poll(url, mine);
            } else {
              stopped(body.message || word(card, "expired"), body.state === "failed");
            }
          });
        })
        .catch(function () {
          if (mine === generation) { window.setTimeout(function () { poll(url, mine); }, 2000); }
        });
    };
    var start = function () {
      var mine = ++generation;
      if (refresh) { refresh.hidden = true; }
      say(word(card, "loading"), false);
      fetch(card.dataset.create, {method: "POST", credentials: "same-origin", headers: {"X-XSRFToken": card.dataset.xsrf}})
        .then(function (response) {
          if (!response.ok) {
            return errorMessage(response, word(card, "card-down")).then(function (text) {
              stopped(text, true);
            });
          }
          return response.json().then(function (body) {
            image.src = body.qr;
            image.dataset.ticket = body.ticket;
            image.hidden = false;
            if (link) { link.href = body.authorize_url; link.hidden = false; }
            say(word(card, "scan-within", {minutes: Math.round(body.expires_in / 60)}), false);
            poll(body.poll, mine);
          });
        })
        .catch(function () { stopped(word(card, "offline"), true); });
    };
    if (card.dataset.create) {
      if (refresh) { refresh.addEventListener("click", start); }
      start();
    } else if (card.dataset.poll) {
      poll(card.dataset.poll, generation);
    }
  }

  if (sms) {
    var button = document.getElementById("send-code");
    var smsError = document.getElementById("sms-error");
    var countdown = function (seconds) {
      button.disabled = true;
      var left = seconds;
      var tick = function () {
        if (left <= 0) { button.disabled = false; button.textContent = word(sms, "again"); return; }
        button.textContent = word(sms, "resend-in", {seconds: left});
        left -= 1;
        window.setTimeout(tick, 1000);
      };
      tick();
    };
    button.addEventListener("click", function () {
      smsError.hidden = true;
      fetch("/portal/sms", {
        method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-XSRFToken": sms.dataset.xsrf},
        body: JSON.stringify({mobile: document.getElementById("f-mobile").value, purpose: button.dataset.purpose})
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (body) { button.dataset.sent = "1"; countdown(body.resend_after); });
        }
        return errorMessage(response, word(sms, "sms-failed")).then(function (text) {
          smsError.textContent = text;
          smsError.hidden = false;
        });
      });
    });
  }
}());
