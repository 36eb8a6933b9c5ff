/* Coding open answers from the keyboard: inside an answer's form (not while typing in a text
   field), the digits 1–9 toggle the form's codes in order. Without the script the checkboxes,
   Tab, Space and Enter do the same work. */
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || event.ctrlKey || event.metaKey || event.altKey) return;
    if (target.tagName === "TEXTAREA" || (target.tagName === "INPUT" && target.type !== "checkbox")) return;
    var form = target.closest ? target.closest("form.coding-answer") : null;
    if (!form || !/^[1-9]$/.test(event.key)) return;
    var boxes = form.querySelectorAll('input[name="code"]');
    var box = boxes[Number(event.key) - 1];
    if (!box) return;
    box.checked = !box.checked;
    box.focus();
    event.preventDefault();
  });
}());
