/* The service worker of one campaign (survey.respond.views.service_worker): once the introduction
   has been seen, the link opens and the questionnaire can be answered with no connection at all.
   It keeps this campaign's introduction, an offline copy of the questionnaire (no answers, no
   draft) and the page's own three static files, nothing else: no other campaign, no staff page,
   no answers (those are kept encrypted by pages.js, not here). Every request it answers goes to
   the network first; the copy is used only when the network (or the server) fails. Its scope is the link, a
   prefix of other campaigns' links too (/s/demo of /s/demo-2/...), so it answers only for this
   campaign's own paths and leaves every other request alone. */
"use strict";
var HOME = {{ home|tojson }}, OFFLINE = {{ offline|tojson }}, CACHE = {{ cache|tojson }},
  FILES = {{ files|tojson }}, MINE = "s:" + HOME + ":";

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) {
    return c.addAll([HOME, OFFLINE].concat(FILES));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (e) {  /* an older copy of this campaign goes */
  e.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(MINE) === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(key, request, refresh) {  /* the network; the kept copy of key if it fails */
  function copy() { return caches.match(key, {cacheName: CACHE, ignoreVary: true}); }
  return fetch(request).then(function (r) {
    if (r.status >= 500) return copy().then(function (c) { return c || r; });
    if (refresh && r.ok && !r.redirected) {
      var fresh = r.clone();
      caches.open(CACHE).then(function (c) { return c.put(key, fresh); });
    }
    return r;
  }, function (error) {
    return copy().then(function (c) { if (c) return c; throw error; });
  });
}

self.addEventListener("fetch", function (e) {
  var r = e.request, u = new URL(r.url), p = u.pathname;
  if (u.origin !== location.origin) return;
  if (r.method === "POST") {  /* "Bắt đầu" / "Tiếp tục trả lời" offline: the offline copy */
    if (p === HOME + "/start") e.respondWith(kept(OFFLINE, r, false));
    return;
  }
  if (r.method !== "GET") return;
  if (r.mode === "navigate" && p === HOME) e.respondWith(kept(HOME, r, !u.search));
  else if (r.mode === "navigate" && p === HOME + "/all") e.respondWith(kept(OFFLINE, r, false));
  else if (FILES.indexOf(p) >= 0) e.respondWith(kept(p, r, true));
});
