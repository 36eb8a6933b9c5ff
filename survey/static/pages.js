/* The respondent's page script beside respond.js (which shows and hides questions). No inline JS.
   1. The whole questionnaire in one document (respond/whole.html): a section per page, one shown
      at a time, so pages turn without a request; Next checks required answers first; Back and
      the phone's Back follow the history; leaving the tab keeps the answers on the server
      (action=keep).
   2. "Gửi" sends in the background (here and on the review page): on a network failure or a
      server error the page stays, says the answers are safe, and tries again by itself (2, 4,
      8 … 60 s, and at once when the browser is back online). The one-time token st makes every
      retry exactly-once; a reply naming the introduction (no draft any more: the cookie was
      lost, or the questionnaire was opened offline) starts a draft and sends with its tokens.
   3. The answers in progress are kept on this device (body data-keep: the campaign allows it)
      and put back when the respondent comes back; erased on acknowledgement, by "Xoá câu trả
      lời trên máy này", and after data-keep days. The service worker (data-sw) lets the link
      open offline. Without data-keep, whatever this campaign left on the device is erased. */
(function () {
  "use strict";
  var d = document, b = d.body, W = window, A = [], H = history, home = b.dataset.home,
    days = +b.dataset.keep || 0, f = d.getElementById("form"), net = d.getElementById("net"),
    C = W.crypto && crypto.subtle && W.TextEncoder && storage() ? crypto.subtle : null,
    bg = W.fetch && W.FormData && FormData.prototype.set && W.DOMParser,  /* background send */
    slot = "a:" + home, aad, state = {}, Q, lag, timer, tries = 0, busy, dead, failed, sent,
    restarted = 0;
  function storage() { try { return W.localStorage; } catch (x) { return null; } }  /* may throw */
  if (!home) return;
  function noop() {}
  function all(s, q) { return A.slice.call(s.querySelectorAll(q)); }

  /* ---- Answers kept on this device. localStorage is shared by every page of the site, so
     they are encrypted (AES-GCM, WebCrypto) under a random key kept in a cookie scoped to this
     campaign's path (SameSite=Strict): another campaign's page or a staff page cannot read
     that cookie, and a page of ours cannot be framed (frame-ancestors 'none'). WebCrypto
     exists only in a secure context: on plain http to another host than this machine nothing
     is kept. In clear the entry holds its expiry date only, and the cookie expires at midnight
     UTC after that date: nothing on the device tells the time of day anyone answered. */
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function day(n) {
    var t = new Date();
    t.setDate(t.getDate() + n);
    return t.getFullYear() + "-" + pad(t.getMonth() + 1) + "-" + pad(t.getDate());
  }
  function b64(buf) {
    var s = "", u = new Uint8Array(buf), i;
    for (i = 0; i < u.length; i++) s += String.fromCharCode(u[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function bytes(s) {
    s = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
    var u = new Uint8Array(s.length), i;
    for (i = 0; i < s.length; i++) u[i] = s.charCodeAt(i);
    return u;
  }
  function jar(v, until) {  /* the key cookie; no value: deleted */
    d.cookie = "dk=" + (v || "") + "; path=" + home + "; samesite=strict" +
      (location.protocol === "https:" ? "; secure" : "") + "; expires=" +
      new Date(v ? Date.parse(until) + 864e5 : 0).toUTCString();
  }
  function cookie() { var m = d.cookie.match(/(?:^|; )dk=([^;]+)/); return m && m[1]; }
  function key(raw) { return C.importKey("raw", bytes(raw), "AES-GCM", false, ["encrypt", "decrypt"]); }
  function drop() { try { localStorage.removeItem(slot); } catch (x) { /* blocked: nothing kept */ } jar(); }
  function purge() {  /* every campaign's entries past their date (their dates are in clear) */
    var i, n, e;
    try {
      for (i = localStorage.length; i--;) {
        n = localStorage.key(i);
        if (n && n.indexOf("a:/") === 0) {
          try { e = JSON.parse(localStorage.getItem(n)); } catch (x) { e = null; }
          if (!e || !(e.e >= day(0))) localStorage.removeItem(n);
        }
      }
    } catch (x) { /* storage blocked */ }
  }
  function read() {  /* the kept state, or {} (an entry this page cannot open is dropped) */
    var e;
    try { e = JSON.parse(localStorage.getItem(slot)); } catch (x) { e = null; }
    if (!e) return Promise.resolve({});
    if (!cookie()) { drop(); return Promise.resolve({}); }
    return key(cookie()).then(function (k) {
      return C.decrypt({name: "AES-GCM", iv: bytes(e.i), additionalData: aad}, k, bytes(e.c));
    }).then(function (p) { return JSON.parse(new TextDecoder().decode(p)); },
      function () { drop(); return {}; });
  }
  function write() {
    var raw = cookie() || b64(crypto.getRandomValues(new Uint8Array(32))),
      iv = crypto.getRandomValues(new Uint8Array(12)), until = day(days);
    jar(raw, until);
    return key(raw).then(function (k) {
      return C.encrypt({name: "AES-GCM", iv: iv, additionalData: aad}, k,
        new TextEncoder().encode(JSON.stringify(state)));
    }).then(function (c) {
      if (!dead) localStorage.setItem(slot, JSON.stringify({e: until, i: b64(iv), c: b64(c)}));
    }).catch(noop);  /* storage full or refused: the answers stay on the screen */
  }
  function keep(patch) {  /* state + patch, written in order, once the kept state was read */
    Q = Q.then(function () {
      if (dead || !days || !C) return;
      for (var k in patch) state[k] = patch[k];
      return write();
    });
    return Q;
  }
  function wipe() {  /* this campaign's entry, key, cached pages and service worker */
    var s = navigator.serviceWorker, jobs = [];
    drop();
    if (W.caches) {
      jobs.push(caches.keys().then(function (names) {
        return Promise.all(names.filter(function (n) { return n.indexOf("s:" + home + ":") === 0; })
          .map(function (n) { return caches.delete(n); }));
      }));
    }
    if (s) {
      jobs.push(s.getRegistrations().then(function (rs) {
        return Promise.all(rs.filter(function (r) { return r.scope === location.origin + home; })
          .map(function (r) { return r.unregister(); }));
      }));
    }
    return Promise.all(jobs).catch(noop);
  }

  if (C) aad = new TextEncoder().encode(home);
  if (b.hasAttribute("data-done")) { dead = 1; drop(); }  /* acknowledged: nothing left to keep */
  else if (!days) wipe();
  else if (C) {
    purge();
    if (b.dataset.sw && navigator.serviceWorker) navigator.serviceWorker.register(b.dataset.sw, {scope: home, updateViaCache: "all"}).catch(noop);
  }
  Q = days && C && !dead ? read().then(function (o) { state = o; }) : Promise.resolve();
  all(d, "form.erase").forEach(function (g) {
    g.addEventListener("submit", function (e) {
      e.preventDefault();
      dead = sent = 1;
      clearTimeout(timer);
      var leave = function () { leave = noop; g.submit(); };
      wipe().then(function () { leave(); });
      setTimeout(function () { leave(); }, 3000);
    });
  });

  /* ---- Sending in the background. */
  function say(t) { if (net) net.textContent = t || ""; }
  function show(h) { dead = 1; clearTimeout(timer); d.open(); d.write(h); d.close(); }
  function parse(h) { return new DOMParser().parseFromString(h, "text/html"); }
  function done(h) { return /<body[^>]* data-done/.test(h); }
  function req(url, data) {  /* {r: response, h: its text}; rejects on a network failure */
    var c = W.AbortController ? new AbortController() : null,
      t = setTimeout(function () { if (c) c.abort(); }, 6e4);
    return fetch(url, {method: data ? "POST" : "GET", body: data, credentials: "same-origin",
      signal: c ? c.signal : undefined}).then(function (r) {
      return r.text().then(function (h) { clearTimeout(t); return {r: r, h: h}; });
    }, function (e) { clearTimeout(t); throw e; });
  }
  function finish(h) { dead = 1; Q.then(drop).then(function () { show(h); }); }
  function retry(g) {
    busy = 0;
    failed = 1;
    say(g.dataset.wait);
    clearTimeout(timer);
    timer = setTimeout(function () { send(g); }, Math.min(60, 2 << Math.min(tries++, 5)) * 1e3);
  }
  function send(g, fresh) {
    if (dead || (busy && !fresh)) return;
    busy = sent = 1;
    clearTimeout(timer);
    if (!failed) say(g.dataset.busy);
    var data = new FormData(g);
    data.set("action", "send");
    (g === f ? keep({f: fields(), p: cur + 1, s: g.elements.st.value}) : Promise.resolve()).then(function () {
      return req(g.getAttribute("action"), data);
    }).then(function (x) {
      var s = x.r.status;
      if (s >= 500 || s === 429) return retry(g);
      if (done(x.h)) return finish(x.h);
      if (x.r.redirected && new URL(x.r.url).pathname === home && g === f && restarted < 2) return again(g);
      if (s === 400 && fresh !== 1) return renew(g);
      if (g === f && parse(x.h).getElementById("form")) Q.then(drop);  /* the server holds them */
      show(x.h);
    }).catch(function () { retry(g); });
  }
  function renew(g) {  /* the session was lost (the browser restarted): a new CSRF token, same st */
    return req(home).then(function (x) {
      var t = parse(x.h).querySelector("[name=csrf_token]");
      if (!t) return show(x.h);
      g.elements.csrf_token.value = t.value;
      send(g, 1);
    });
  }
  function again(g) {  /* no draft (st not stored, or the reply would have said so): start one */
    return req(home).then(function (x) {
      var s = parse(x.h).getElementById("start"), data;
      if (!s) return show(x.h);
      data = new FormData(s);
      data.set("js", "1");
      if (s.elements.code) {
        if (!state.c) return show(x.h);
        data.set("code", state.c);
      }
      return req(s.getAttribute("action"), data).then(function (y) {
        var n = parse(y.h).getElementById("form");
        if (!y.r.ok || !n || !n.elements.st) return show(y.h);  /* e.g. the code refused */
        g.elements.csrf_token.value = n.elements.csrf_token.value;
        g.elements.st.value = n.elements.st.value;
        restarted++;
        send(g, 2);
      });
    });
  }

  /* ---- The introduction: the access code is kept with the answers (to start a draft when
     the connection returns), and a send whose reply was lost before the tab closed is asked
     about once more (a stored token gets the thank-you; without a draft nothing else can). */
  var start = d.getElementById("start");
  if (start) {
    start.addEventListener("submit", function (e) {
      var c = start.elements.code;
      if (!c || !c.value.trim() || !days || !C) return;
      e.preventDefault();
      keep({c: c.value.trim()}).then(function () { start.submit(); });
    });
    Q.then(function () {
      if (!state.s || start.hasAttribute("data-draft") || !bg) return;
      var x = new FormData();
      x.set("csrf_token", start.elements.csrf_token.value);
      x.set("st", state.s);
      x.set("action", "send");
      return req(home + "/all", x).then(function (y) { if (done(y.h)) finish(y.h); });
    }).catch(noop);
  }
  var review = d.getElementById("review");
  if (review && bg) {
    review.addEventListener("submit", function (e) { e.preventDefault(); send(review); });
    addEventListener("online", function () { if (failed) send(review); });
  }

  /* ---- The one document. */
  if (!f) return;
  var S = all(f, "section[data-p]"), cur, n = 0, st = f.elements.st;
  if (!S.length) return;
  function off(e) { return e.closest("[hidden]"); }
  function on(s) {
    var q = all(s, ".q").filter(function (x) { return !off(x); }), asks = s.querySelector(".q:not(.note)");
    return !s.hidden && (asks ? q.some(function (x) { return !x.classList.contains("note"); }) : q.length || !s.querySelector(".q"));
  }
  function step(by) { for (var i = cur + by; i >= 0 && i < S.length; i += by) if (on(S[i])) return i; return -1; }
  function ends() {  /* "Gửi" on the last page shown, "Tiếp tục" before it; no "Quay lại" on the first */
    var last = step(1) < 0;
    d.getElementById("back").hidden = d.getElementById("partial").hidden = step(-1) < 0;
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
    note();
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
  function fields() {  /* what was answered (not the tokens: hidden inputs are left out) */
    var o = {};
    A.forEach.call(f.elements, function (e) {
      if (!e.name || e.type === "hidden" || e.type === "submit") return;
      if (e.type === "radio" || e.type === "checkbox") {
        o[e.name] = o[e.name] || [];
        if (e.checked) o[e.name].push(e.value);
      } else o[e.name] = e.value;
    });
    return o;
  }
  function fill(o) {
    A.forEach.call(f.elements, function (e) {
      var v = o[e.name];
      if (v === undefined || e.type === "hidden" || e.type === "submit") return;
      if (e.type === "radio" || e.type === "checkbox") e.checked = v.indexOf(e.value) >= 0;
      else e.value = v;
    });
  }
  function note() { if (days && C && !dead) { clearTimeout(lag); lag = setTimeout(flush, 300); } }
  function flush() { clearTimeout(lag); return keep({f: fields(), p: cur + 1}); }
  f.addEventListener("click", function (e) {
    var b = e.target.closest("[name=action]"), i;
    if (!b || b.value === "save" || b.value === "partial") return;  /* sent as they are */
    if (b.value === "send") {
      if (!ok()) return e.preventDefault();
      if (bg) { e.preventDefault(); send(f); }
      return;  /* no fetch: the form goes as it would without the script */
    }
    if (b.value === "back") {
      if (n) { e.preventDefault(); H.back(); } else if ((i = step(-1)) >= 0) { e.preventDefault(); H.replaceState({p: i}, ""); go(i); }
      return;
    }
    if (!ok()) return e.preventDefault();
    if ((i = step(1)) < 0) return;
    e.preventDefault(); n++; H.pushState({p: i}, ""); go(i);
  });
  addEventListener("popstate", function (e) { if (e.state && e.state.p >= 0) { n = Math.max(n - 1, 0); go(e.state.p); } });
  addEventListener("online", function () { if (failed) send(f); });
  f.addEventListener("change", ends);
  f.addEventListener("change", note);
  f.addEventListener("input", note);
  f.addEventListener("submit", function () { sent = 1; });
  d.addEventListener("visibilitychange", function () {
    if (d.visibilityState !== "hidden" || dead) return;
    flush();
    if (sent || !navigator.sendBeacon) return;
    var data = new FormData(f);
    data.set("action", "keep");
    navigator.sendBeacon(f.getAttribute("action"), data);
  });
  if (f.hasAttribute("data-offline")) st.value = b64(crypto.getRandomValues(new Uint8Array(24)));
  cur = (+f.dataset.open || 1) - 2;
  var i = Math.max(step(1), 0);
  H.replaceState({p: i}, "");
  go(i);
  Q.then(function () {  /* the answers kept on this device are the latest: they come back */
    if (dead || !state.f) return;
    fill(state.f);
    f.dispatchEvent(new Event("change"));
    var k = (state.p || 1) - 1;
    if (S[k] && on(S[k]) && k !== cur) { H.replaceState({p: k}, ""); go(k); }
    if (state.s) {  /* "Gửi" was pressed and not acknowledged: the same token, sent again */
      st.value = state.s;
      for (k = S.length; k-- && !on(S[k]);) { /* the last page shown */ }
      if (k >= 0) go(k);
      send(f);
    }
  });
})();
