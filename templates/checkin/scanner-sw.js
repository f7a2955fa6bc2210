// The scanner's service worker (served at /manage/<event>/scan-sw.js, scope: the scanner page). It
// keeps the scanner page and its files, so that a tablet that reloads without network still opens the
// scanner, with its queue and its gate pack (both in IndexedDB, see scanner-store.js). The page comes
// from the network when there is one (a fresh CSRF token, the gates); the files from the cache (a new
// version of any of them changes this script, which replaces the cache). The API is never cached.
"use strict";
var VERSION = {{ version|tojson }};
var PREFIX = "eventops-scanner-" + {{ event.slug|tojson }} + "-";
var CACHE = PREFIX + VERSION;
var PAGE = {{ page|tojson }};
var ASSETS = {{ assets|tojson }};

function keepPage(cache, response) {
  // only the scanner itself: never a sign-in page reached by a redirect, never an error
  if (response && response.ok && !response.redirected && response.type === "basic") return cache.put(PAGE, response);
  return null;
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(ASSETS.map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (response) {
        if (response.ok) return cache.put(url, response);
        return null;
      });
    })).then(function () {
      return fetch(PAGE, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        return keepPage(cache, response);
      }).catch(function () { return null; });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) { return key.indexOf(PREFIX) === 0 && key !== CACHE; })
      .map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname === PAGE) {
    event.respondWith(fetch(request).then(function (response) {
      var copy = response.clone();
      event.waitUntil(caches.open(CACHE).then(function (cache) { return keepPage(cache, copy); }));
      return response;
    }).catch(function () {
      return caches.open(CACHE).then(function (cache) { return cache.match(PAGE); }).then(function (kept) {
        return kept || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (kept) {
        if (kept) return kept;
        return fetch(request).then(function (response) {
          if (response.ok) cache.put(url.pathname, response.clone());
          return response;
        });
      });
    }));
  }
  // everything else (the API above all) goes to the network as if there were no service worker
});
