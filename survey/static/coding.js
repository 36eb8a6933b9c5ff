/* Coding open answers from the keyboard. Inside an answer's form (not while typing in a text
   field): the digits 1–9 toggle the form's codes in order and Enter saves the answer (the
   page comes back at the next answer, whose first code gets the focus). Without the script the
   checkboxes, Tab, Space and the Save button do the same work. */
(function () {
  "use strict";
  function focusAnswer() {
    var id = window.location.hash.slice(1);
    var form = id ? document.getElementById(id) : null;
    if (!form || !form.classList.contains("coding-answer")) return;
    var first = form.querySelector('input[name="code"]') || form.querySelector("button");
    if (first) first.focus();
  }
  document.addEventListener("DOMContentLoaded", focusAnswer);
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox")) return;
    var form = target.closest ? target.closest("form.coding-answer") : null;
    if (!form) return;
    if (event.key === "Enter" && target.tagName === "INPUT") {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
      return;
    }
    if (!/^[1-9]$/.test(event.key)) return;
    var boxes = form.querySelectorAll('input[name="code"]');
    var box = boxes[Number(event.key) - 1];
    if (!box) return;
    box.checked = !box.checked;
    box.focus();
    event.preventDefault();
  });
}());
