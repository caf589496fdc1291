// Refresh the page when its data changes: poll with the page's ETag (a cheap 304
// while nothing changed). The page is complete without this script.
(function () {
  "use strict";
  if (document.querySelector("[data-live]")) { return; }  // live.js updates it in place
  var etag = null;
  var period = 10000;
  function poll() {
    if (document.hidden) { return; }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(window.location.href, { headers: headers, cache: "no-store" }).then(function (r) {
      var tag = r.headers.get("ETag");
      if (r.status === 200 && etag && tag && tag !== etag) { window.location.reload(); }
      if (tag) { etag = tag; }
    }).catch(function () {});
  }
  poll();
  window.setInterval(poll, period);
})();
