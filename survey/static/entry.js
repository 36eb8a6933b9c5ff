/* The paper entry screen: every field is saved on the server as the keyer leaves it (Enter or
   Tab), checked with the questionnaire's own rules there; the answer says which fields the
   routing now skips, and the focus moves to the next field to key. Without this script the
   form still works: "Lưu" posts every field at once. Nothing typed is kept in the browser.
   A keyer types ahead from the paper without looking: what is typed while a field is being
   saved is held and typed into the field the routing moves to, never into the one being
   saved (dropped if the save is refused: the keyer must look at the reason first). */
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form) { return; }
  var url = form.getAttribute("data-field-url");
  var token = form.querySelector("[name=csrf_token]").value;
  var live = document.getElementById("live");
  var blankText = document.getElementById("blank-text").innerHTML;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-field]"));
  var byName = {};
  inputs.forEach(function (input) { byName[input.getAttribute("data-field")] = input; });
  var busy = null;
  var ahead = [];  // keys typed while a save is under way, replayed into the next field
  var marker = document.createElement("input");
  marker.type = "hidden"; marker.name = "js"; marker.value = "1";
  form.appendChild(marker);

  function row(name) { return document.getElementById("row-" + name); }
  function message(name) { return document.getElementById("m-" + name); }
  function say(text) { live.textContent = ""; window.setTimeout(function () { live.textContent = text; }, 30); }

  function setState(name, status, text) {
    var input = byName[name], tr = row(name);
    if (!input || !tr) { return; }
    var disputed = tr.classList.contains("disputed");
    tr.className = "field status-" + status + (disputed ? " disputed" : "");
    input.disabled = status === "skipped";
    if (status === "skipped") { input.value = ""; input.setAttribute("data-saved", ""); input.setAttribute("data-keyed", "0"); }
    if (status === "keyed" && text) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    message(name).textContent = status === "blank" ? blankText : text;
  }

  function focus(target) {
    var element = target || document.getElementById("finish");
    element.focus();
    if (element.select) { element.select(); }
  }

  function replay() {
    var target = document.activeElement;
    while (ahead.length) {
      var key = ahead.shift();
      if (!target || !target.hasAttribute || !target.hasAttribute("data-field") || target.disabled) {
        ahead.length = 0;
        return;
      }
      if (key === "Enter") { save(target, true); return; }
      target.setRangeText(key, target.selectionStart, target.selectionEnd, "end");
    }
  }

  function save(input, move) {
    var name = input.getAttribute("data-field");
    var tr = row(name);
    var sent = input.value;
    var moved = false;
    var body = new FormData();
    body.append("field", name);
    body.append("value", sent);
    body.append("csrf_token", token);
    tr.classList.add("saving");
    message(name).textContent = form.getAttribute("data-saving");
    busy = fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (response) { return response.json().then(function (data) { return [response.status, data]; }); })
      .then(function (result) {
        var data = result[1];
        tr.classList.remove("saving");
        if (!data.ok) {
          tr.classList.add("error");
          message(name).textContent = data.error;
          input.setAttribute("aria-invalid", "true");
          say(data.error);
          input.focus(); input.select();
          return;
        }
        tr.classList.remove("error");
        input.setAttribute("data-saved", sent.trim());
        input.setAttribute("data-keyed", "1");
        Object.keys(data.states).forEach(function (key) { setState(key, data.states[key][0], data.states[key][1]); });
        document.getElementById("progress").textContent = form.getAttribute("data-progress")
          .replace("{done}", data.progress.done).replace("{total}", data.progress.total);
        if (move) { focus(data.next ? byName[data.next] : null); moved = true; }
      })
      .catch(function () {
        tr.classList.remove("saving");
        tr.classList.add("error");
        message(name).textContent = form.getAttribute("data-offline");
        say(form.getAttribute("data-offline"));
        input.focus();
      })
      .then(function () {
        busy = null;
        if (moved) { replay(); } else { ahead.length = 0; }
      });
    return busy;
  }

  function unsaved(input) {
    return input.getAttribute("data-keyed") !== "1" ? input.value.trim() !== "" :
      input.value.trim() !== input.getAttribute("data-saved");
  }

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "Enter" && event.ctrlKey) {
      event.preventDefault();
      document.getElementById("finish").click();
      return;
    }
    if (!input.hasAttribute || !input.hasAttribute("data-field")) { return; }
    if (busy && !event.ctrlKey && !event.altKey && !event.metaKey) {
      if (event.key.length === 1 || event.key === "Enter" || event.key === "Tab" ||
          event.key === "Backspace") {
        event.preventDefault();
        if (event.key === "Backspace") {
          if (ahead.length && ahead[ahead.length - 1] !== "Enter") { ahead.pop(); }
        } else if (!(event.key === "Tab" && event.shiftKey)) {
          ahead.push(event.key === "Tab" ? "Enter" : event.key);
        }
        return;
      }
    }
    if (event.key === "Enter" || (event.key === "Tab" && !event.shiftKey)) {
      event.preventDefault();
      if (!busy) { save(input, true); }
    }
  });

  form.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.hasAttribute && input.hasAttribute("data-field") && !input.disabled && !busy &&
        input.getAttribute("data-keyed") === "1" && unsaved(input)) {
      save(input, false);
    }
  });

  form.addEventListener("submit", function (event) {
    var pending = inputs.filter(function (input) { return !input.disabled && unsaved(input); });
    if (busy || pending.length) {
      event.preventDefault();
      say(form.getAttribute("data-unsaved"));
      if (pending.length) { focus(pending[0]); }
    }
  });

  var first = form.getAttribute("data-first");
  focus(first ? byName[first] : null);
}());
