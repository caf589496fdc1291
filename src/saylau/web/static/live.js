// Live pages: update the figures of an open page in place when its data changes.
//
// The page marks what may change with data-live="name" containers.  On a change the
// script fetches this same page again and swaps in the new content of each changed
// container: the markup and its figures come from one template, nothing is built
// here.  It learns of changes from the server's event stream (api/v1/events, sent by
// `saylau serve`) or, on a static mirror (`saylau publish`, no server), by polling
// the mirror's version.json.  The page is complete without this script.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.DOMParser) { return; }
  // The site's root: the folder above static/ (a mirror may live under a sub-path).
  var root = script.src.replace(/static\/[^\/?#]*(?:[?#].*)?$/, "");
  var POLL = window.saylauLivePoll || 10000;  // ms between two polls of version.json
  var reduced = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
  var seen = {};  // region name -> the markup last shown (as the server sent it)
  var busy = false, again = false;

  function regions(doc) {
    var found = {}, nodes = doc.querySelectorAll("[data-live]");
    for (var i = 0; i < nodes.length; i++) { found[nodes[i].getAttribute("data-live")] = nodes[i]; }
    return found;
  }

  function names(map) { return Object.keys(map).sort().join("\n"); }

  function flash(node) {
    if ((reduced && reduced.matches) || !node.animate) { return; }
    node.animate([{ backgroundColor: "rgba(255, 214, 0, 0.35)" }, { backgroundColor: "transparent" }],
      { duration: 1600, easing: "ease-out" });
  }

  // Swap one region, keeping the keyboard focus on the same link if it was inside.
  function swap(node, html) {
    var active = document.activeElement, href = null;
    if (active && node.contains(active)) { href = active.getAttribute("href"); }
    node.innerHTML = html;
    if (href !== null) {
      var links = node.querySelectorAll("a[href]");
      for (var i = 0; i < links.length; i++) {
        if (links[i].getAttribute("href") === href) { links[i].focus(); break; }
      }
    }
    flash(node);
  }

  function update() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (text) {
        if (text === null) { return; }
        var fresh = regions(new DOMParser().parseFromString(text, "text/html"));
        var shown = regions(document);
        if (names(fresh) !== names(shown)) { window.location.reload(); return; }  // new sections
        var changed = [];
        for (var name in fresh) {
          var html = fresh[name].innerHTML;
          if (html !== seen[name]) {
            seen[name] = html;
            swap(shown[name], html);
            changed.push(name);
          }
        }
        if (changed.length) {
          // What the last update swapped, and how many updates so far (for tests).
          var top = document.documentElement;
          top.setAttribute("data-live-changed", changed.sort().join(" "));
          top.setAttribute("data-live-updates",
            String(1 + Number(top.getAttribute("data-live-updates") || 0)));
          document.dispatchEvent(new CustomEvent("saylau:live", { detail: { changed: changed } }));
        }
      })
      .catch(function () {})
      .then(function () {
        busy = false;
        if (again) { again = false; update(); }
      });
  }

  // A static mirror: poll version.json (where there is none, the page's own ETag).
  function poll() {
    var last = null, url = root + "version.json", own = false;
    function tick() {
      if (document.hidden) { return; }
      var target = own ? window.location.href : url;
      fetch(target, { cache: "no-store", method: own ? "HEAD" : "GET" }).then(function (r) {
        if (r.status === 404 && !own) { own = true; return null; }
        if (!r.ok) { return null; }
        return own ? (r.headers.get("ETag") || r.headers.get("Last-Modified")) : r.text();
      }).then(function (mark) {
        if (mark === null || mark === undefined) { return; }
        if (last !== null && mark !== last) { update(); }
        last = mark;
      }).catch(function () {});
    }
    tick();
    window.setInterval(tick, POLL);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { tick(); } });
  }

  function listen() {
    if (!window.EventSource) { poll(); return; }
    var holder = document.querySelector("[data-live-contest]");
    var contest = holder ? holder.getAttribute("data-live-contest") : null;
    var url = root + "api/v1/events" + (contest ? "?contest=" + encodeURIComponent(contest) : "");
    var source = new EventSource(url);
    // Every open page hears a change at the same instant: spread their fetches over a
    // second, so that the server (or its cache) is not asked by all of them at once.
    source.addEventListener("change", function () { window.setTimeout(update, Math.random() * 1000); });
    source.onerror = function () {
      // CLOSED: not an event stream here (a static mirror answers 404): poll instead.
      // CONNECTING: the browser reconnects by itself, with Last-Event-ID.
      if (source.readyState === EventSource.CLOSED) { source.close(); poll(); }
    };
  }

  var start = regions(document);
  if (!Object.keys(start).length) { return; }
  for (var name in start) { seen[name] = start[name].innerHTML; }
  listen();
})();
