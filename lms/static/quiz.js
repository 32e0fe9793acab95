// Quiz page: saves each answer in the background as it is given, and shows the time left
// as the server counts it. The page works without this file ("Save and next").
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("save-status");
  var url = form.getAttribute("data-autosave");
  var pending = null, typing = null, retry = null;

  function say(text) { if (status) { status.textContent = text; } }

  function fieldsOf(fieldset) {
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("page", form.elements.page.value);
    fieldset.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.name === "shown") { data.append("shown", el.value); }
      else if (el.type === "radio" || el.type === "checkbox") { if (el.checked) { data.append(el.name, el.value); } }
      else if (el.name) { data.append(el.name, el.value); }
    });
    return data;
  }

  function save(fieldset) {
    pending = fieldset;
    say("Saving…");
    fetch(url, {method: "POST", body: fieldsOf(fieldset), credentials: "same-origin",
                headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (body) { return {status: response.status, body: body}; });
      })
      .then(function (reply) {
        if (reply.status === 200 && reply.body.ok) {
          pending = null;
          say("Saved at " + new Date(reply.body.at).toLocaleTimeString() + ".");
          if (reply.body.seconds_left !== null && reply.body.seconds_left !== undefined) { timer.sync(reply.body.seconds_left); }
        } else {
          pending = null;
          say(reply.body.message || "Not saved.");
          if (reply.status === 409) { window.setTimeout(function () { window.location.reload(); }, 4000); }
        }
      })
      .catch(function () {
        say("Not saved yet: the connection dropped. Your earlier answers are safe; trying again…");
        window.clearTimeout(retry);
        retry = window.setTimeout(function () { if (pending) { save(pending); } }, 5000);
      });
  }

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (fieldset) { save(fieldset); }
  });
  form.addEventListener("input", function (event) {
    var fieldset = event.target.closest("fieldset.question");
    if (!fieldset || event.target.type === "radio" || event.target.type === "checkbox") { return; }
    window.clearTimeout(typing);
    typing = window.setTimeout(function () { save(fieldset); }, 1500);
  });

  // The time left: counted here from the server's figure, re-synchronised on every save.
  // The live region changes once a minute (every 15 s in the last minute), never every second.
  var clock = document.getElementById("quiz-timer");
  var timer = {
    end: null,
    sync: function (seconds) { this.end = Date.now() + seconds * 1000; },
    shown: ""
  };
  if (clock) {
    var strong = clock.querySelector("strong");
    timer.sync(parseInt(clock.getAttribute("data-seconds-left"), 10) || 0);
    window.setInterval(function () {
      var left = Math.max(0, Math.round((timer.end - Date.now()) / 1000));
      var text = left > 60 ? "about " + Math.ceil(left / 60) + " minutes" :
        left > 0 ? "less than " + (Math.ceil(left / 15) * 15) + " seconds" : "none: submitting your saved answers";
      if (text !== timer.shown) { timer.shown = text; strong.textContent = text; }
      if (left === 0 && !form.getAttribute("data-submitted")) {
        form.setAttribute("data-submitted", "1");
        var submit = document.createElement("input");
        submit.type = "hidden"; submit.name = "action"; submit.value = "submit";
        form.appendChild(submit);
        form.submit();
      }
    }, 1000);
  }
})();
