/* Optional: shows/hides questions at once (the server applies the same rules); puts the
   step's URL in the address bar after a POST; sets js=1 (one document, pages.js). No inline
   JS. The designer's preview has no #shown. */
(function () {
  "use strict";
  var d = document, f = d.getElementById("form"), u = d.body.dataset.url, A = [], H = history;
  if (u) H.replaceState(H.state, "", u);
  A.forEach.call(d.querySelectorAll("[name=js]"), function (e) { e.value = "1"; });
  if (!f) return;
  var sh = d.getElementById("shown"), c = d.getElementById("ctx"), ctx = c ? JSON.parse(c.textContent) : {};
  function all(s, q) { return A.slice.call(s.querySelectorAll(q)); }
  function off(e) { return e.closest("[hidden]"); }
  function live(n) { return A.filter.call(f.elements, function (e) { return e.name === n && !e.disabled; }); }
  function num(v) { return typeof v === "number" ? v : (v !== "" && !isNaN(+v.replace(",", ".")) ? +v.replace(",", ".") : null); }
  function val(n, item, row) {
    var els = live(n), out, i;
    if (!els.length) {
      els = live(n + ".rank.1");
      if (els.length) {
        out = [];
        for (i = 1; (els = live(n + ".rank." + i)).length; i++) if (els[0].value) out.push(+els[0].value);
        return out;
      }
      if (f.querySelector('[name="' + n + '"]')) return;
      var v = ctx[item];
      return row === null ? v : (v && typeof v === "object" ? v[row] : undefined);
    }
    var e = els[0];
    if (e.type === "checkbox") return els.filter(function (x) { return x.checked; }).map(function (x) { return +x.value; });
    if (e.type === "radio") { out = els.filter(function (x) { return x.checked; }); return out.length ? +out[0].value : undefined; }
    if (e.tagName === "SELECT") return e.value ? +e.value : undefined;
    if (e.classList.contains("num")) { out = num(e.value.trim()); return out === null ? (e.value.trim() || undefined) : out; }
    return e.value;
  }
  function answered(v) {
    if (v === undefined || v === null) return false;
    if (typeof v === "string") return v.trim() !== "";
    if (Array.isArray(v)) return v.length > 0;
    return typeof v !== "object" || Object.keys(v).length > 0;
  }
  function codes(v) { return !answered(v) ? [] : Array.isArray(v) ? v : typeof v === "string" ? v.split(/\s+/) : [v]; }
  function truthy(v) { return typeof v === "boolean" ? v : answered(v) && v !== 0; }
  var ops = {
    "=": function (a, b) { return a === b; }, "!=": function (a, b) { return a !== b; },
    "<": function (a, b) { return a < b; }, "<=": function (a, b) { return a <= b; },
    ">": function (a, b) { return a > b; }, ">=": function (a, b) { return a >= b; }
  };
  function cmp(op, a, b) {
    if (!answered(a) || !answered(b)) return false;
    if (typeof a === "string" && typeof b === "string") return ops[op](a, b);
    var x = typeof a === "string" ? num(a) : a, y = typeof b === "string" ? num(b) : b;
    return typeof x === "number" && typeof y === "number" && ops[op](x, y);
  }
  function ev(n) {
    switch (n[0]) {
      case "v": return n[1];
      case "r": return val(n[2] === null ? n[1] : n[1] + "." + n[2], n[1], n[2]);
      case ".": return;
      case "not": return !truthy(ev(n[1]));
      case "and": return n[1].every(function (x) { return truthy(ev(x)); });
      case "or": return n[1].some(function (x) { return truthy(ev(x)); });
      case "c": return cmp(n[1], ev(n[2]), ev(n[3]));
      case "f":
        var s = ev(n[2][0]);
        if (n[1] === "answered") return answered(s);
        if (n[1] === "empty") return !answered(s);
        if (n[1] === "string-length") return answered(s) ? Array.from(String(s).trim()).length : 0;
        if (n[1] === "count-selected") return s && typeof s === "object" && !Array.isArray(s) ? Object.keys(s).length : codes(s).length;
        if (n[1] === "selected") { var w = ev(n[2][1]); return codes(s).some(function (x) { return num(String(x)) === num(String(w)); }); }
    }
    return false;
  }
  function update() {
    for (var round = 0; round < 3; round++) {
      all(f, "[data-rel]").forEach(function (el) {
        var show = truthy(ev(JSON.parse(el.getAttribute("data-rel"))));
        el.hidden = !show;
        show = show && !off(el.parentNode);
        if (el.tagName === "OPTION") { el.disabled = !show; if (!show && el.selected) el.parentNode.value = ""; return; }
        all(el, "input,select,textarea").forEach(function (x) { x.disabled = !show; });
      });
    }
    var ids = [];
    all(f, ".q[id^='q-']").forEach(function (q) { if (!off(q) && !q.classList.contains("note")) ids.push(q.id.slice(2)); });
    all(f, "[data-o]").forEach(function (o) { if (!off(o)) ids.push(o.getAttribute("data-o")); });
    if (sh) sh.value = ids.join(" ");
  }
  f.addEventListener("change", function (e) {
    var t = e.target;
    if (t.type === "checkbox" && t.checked) {
      live(t.name).forEach(function (x) {
        if (x !== t && (t.hasAttribute("data-x") || x.hasAttribute("data-x"))) x.checked = false;
      });
    }
    update();
  });
  f.addEventListener("input", update);
  update();
})();
