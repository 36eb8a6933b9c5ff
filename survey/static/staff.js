/* Staff pages only. Progressive enhancement: every page works without this file.
   - In the item editor, show only the settings that belong to the chosen item type.
   - Ask for confirmation before a form marked data-confirm is submitted. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function syncTypeSections() {
    var select = document.getElementById("type");
    if (!select) { return; }
    var type = select.value;
    document.querySelectorAll("[data-types]").forEach(function (section) {
      var types = section.getAttribute("data-types").split(" ");
      section.hidden = types.indexOf(type) === -1;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var select = document.getElementById("type");
    if (select) {
      select.addEventListener("change", syncTypeSections);
      syncTypeSections();
    }
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
      });
    });
  });
}());
