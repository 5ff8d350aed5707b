// dafu serve: reloads this page when a build changes it, keeping the scroll position.
// Injected into preview pages only; the built site never contains it.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.EventSource) return;
  var root = me.getAttribute("data-root");
  var generation = Number(me.getAttribute("data-generation"));
  var ok = me.getAttribute("data-ok") === "1";
  var watch = (me.getAttribute("data-watch") || "").split(" ");
  var key = "dafu-scroll:" + location.pathname + location.search;

  // Back where the reader was before the reload.
  var saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    var y = Number(saved);
    var restore = function () { window.scrollTo(window.scrollX, y); };
    restore();
    window.addEventListener("load", restore);
  }

  var reloading = false;
  function reload() {
    if (reloading) return;
    reloading = true;
    sessionStorage.setItem(key, String(window.scrollY));
    location.reload();
  }

  function concerns(build) {
    if (build.generation <= generation) return false;
    // A failed build: show its problems. The first good one after a failure: take them away.
    if (!build.ok || !ok || build.all) return true;
    return build.changed.some(function (path) {
      if (watch.indexOf(path) >= 0) return true;
      // The search index's files: read by the search page alone.
      if (/^search\/.*\.z$/.test(path)) return watch.indexOf("search/index.html") >= 0;
      // A changed style sheet or script can change any page.
      return !/\.(html|xml)$/.test(path);
    });
  }

  var events = new EventSource(root + "__dafu/events");
  // For anyone checking that the page listens (the browser test does).
  window.dafuLive = { connected: false };
  events.addEventListener("open", function () { window.dafuLive.connected = true; });
  events.addEventListener("hello", function (e) {
    // Builds finished while this page was loading or the server was away: catch up.
    if (JSON.parse(e.data).generation !== generation) reload();
  });
  events.addEventListener("build", function (e) {
    if (concerns(JSON.parse(e.data))) reload();
  });
})();
