{% autoescape off %}// Kehu's service worker (kehu/web/installable.py, decision 0025-phones): when the server cannot
// be reached, a page load shows the offline page it keeps instead of the browser's error.
// Everything else goes to the network untouched; nothing personal is ever cached.
const CACHE = {{ cache_name }};
const OFFLINE_URL = {{ offline_url }};
const KEEP = {{ keep }};

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(KEEP.map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(OFFLINE_URL)));
    return;
  }
  const path = new URL(request.url).pathname;
  if (KEEP.includes(path)) {
    // the offline page's stylesheet and icon: from the network, the kept copy when offline
    event.respondWith(fetch(request).catch(() => caches.match(path)));
  }
});
{% endautoescape %}
