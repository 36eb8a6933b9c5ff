/* The whole questionnaire in one document (respond/whole.html): a section per page, one shown
   at a time, so pages turn without a request; "Gửi" on the last sends the form, once.
   Next checks required answers first; Back and the phone's Back follow the history; leaving
   the tab keeps the answers on the server (action=keep). respond.js shows and hides the
   questions; without either script the document is one long form. No inline JS. */
(function () {
  "use strict";
  var d = document, f = d.getElementById("form"), H = history, A = [], S, cur, n = 0, sent;
  if (!f) return;
  function all(s, q) { return A.slice.call(s.querySelectorAll(q)); }
  function off(e) { return e.closest("[hidden]"); }
  S = all(f, "section[data-p]");
  if (!S.length) return;
  function on(s) {
    var q = all(s, ".q").filter(function (x) { return !off(x); }), ask = s.querySelector(".q:not(.note)");
    return !s.hidden && (ask ? q.some(function (x) { return !x.classList.contains("note"); }) : q.length || !s.querySelector(".q"));
  }
  function step(by) { for (var i = cur + by; i >= 0 && i < S.length; i += by) if (on(S[i])) return i; return -1; }
  function ends() {  /* "Gửi" on the last page shown, "Tiếp tục" before it */
    var last = step(1) < 0;
    d.getElementById("next").hidden = last;
    d.getElementById("send").hidden = d.getElementById("send-n").hidden = !last;
  }
  function go(i) {
    var v = S.filter(on), g = d.getElementById("prog"), p = v.indexOf(S[i]) + 1;
    cur = i;
    ends();
    d.getElementById("p").value = i + 1;
    S.forEach(function (s, k) { s.classList.toggle("off", k !== i); });
    d.getElementById("prog-t").textContent = f.dataset.prog.replace("{a}", p).replace("{b}", v.length);
    g.max = v.length; g.value = p;
    scrollTo(0, 0);
    S[i].querySelector("h1").focus();
  }
  function ok() {
    var bad;
    all(S[cur], ".q").forEach(function (q) {
      var m = q.querySelector(".js"), x = all(q, "input,select,textarea").filter(function (e) { return !e.disabled && !/\.other$/.test(e.name); }),
        rows = all(q, ".row"), miss;
      if (m) m.remove();
      if (off(q) || !q.querySelector(".req") || !x.length) return;
      miss = rows.length ? rows.some(function (r) { return !r.querySelector(":checked"); })
        : q.querySelector(".rk") ? x.some(function (e) { return !e.value; })
        : !x.some(function (e) { return /radio|checkbox/.test(e.type) ? e.checked : e.value.trim(); });
      q.classList.toggle("bad", miss);
      if (!miss) return;
      m = d.createElement("p");
      m.className = "err js"; m.id = "e-" + q.id.slice(2); m.textContent = f.dataset.req;
      q.querySelector(".lg,legend").after(m);
      x[0].setAttribute("aria-describedby", m.id);
      bad = bad || x[0];
    });
    if (bad) bad.focus();
    return !bad;
  }
  f.addEventListener("click", function (e) {
    var b = e.target.closest("[name=action]"), i;
    if (!b || b.value === "save") return;
    if (b.value === "send") return ok() || e.preventDefault();
    if (b.value === "back") {
      if (n) { e.preventDefault(); H.back(); } else if ((i = step(-1)) >= 0) { e.preventDefault(); H.replaceState({p: i}, ""); go(i); }
      return;
    }
    if (!ok()) return e.preventDefault();
    if ((i = step(1)) < 0) return;
    e.preventDefault(); n++; H.pushState({p: i}, ""); go(i);
  });
  addEventListener("popstate", function (e) { if (e.state && e.state.p >= 0) { n = Math.max(n - 1, 0); go(e.state.p); } });
  f.addEventListener("change", ends);
  f.addEventListener("submit", function () { sent = 1; });
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState !== "hidden" || sent || !navigator.sendBeacon) return;
    var data = new FormData(f);
    data.set("action", "keep");
    navigator.sendBeacon(f.getAttribute("action"), data);
  });
  cur = (+f.dataset.open || 1) - 2;
  var i = Math.max(step(1), 0);
  H.replaceState({p: i}, "");
  go(i);
})();
