// Tables of the results site: a sign when a table scrolls sideways (phones), and
// sorting by any column from its header button (mouse or keyboard).  The pages are
// complete without this script: the tables are in their published order.
(function () {
  "use strict";

  // Mark the tables wider than their box, so the CSS shows the "scrolls" sign.
  function markScrolling() {
    var tables = document.querySelectorAll("main table");
    for (var i = 0; i < tables.length; i++) {
      var t = tables[i];
      var wide = t.scrollWidth > t.clientWidth + 1;
      t.classList.toggle("scrolls", wide);
      // A region that scrolls must be reachable by the keyboard (arrow keys scroll it
      // once focused; WCAG 2.1.1): focusable while it scrolls, not otherwise.
      if (wide && !t.hasAttribute("tabindex")) {
        t.setAttribute("tabindex", "0");
        t.setAttribute("data-scroll-focus", "");
      } else if (!wide && t.hasAttribute("data-scroll-focus")) {
        t.removeAttribute("tabindex");
        t.removeAttribute("data-scroll-focus");
      }
      var caption = t.caption;
      if (wide && caption && !caption.querySelector(".scroll-hint")) {
        var hint = document.createElement("span");
        hint.className = "scroll-hint";
        hint.textContent = document.body.getAttribute("data-scroll-hint") || "\u21c6";
        caption.appendChild(hint);
      }
      var atEnd = t.scrollLeft + t.clientWidth >= t.scrollWidth - 1;
      t.classList.toggle("scrolled-end", wide && atEnd);
    }
  }

  // A cell's sort key: the number it shows (grouping spaces and commas dropped,
  // "12 / 30" sorts by 12), else its text.
  function key(cell) {
    var text = (cell.getAttribute("data-sort") || cell.textContent || "").trim();
    var digits = text.replace(/[\s\u00a0\u202f,]/g, "").replace("%", "");
    var match = /^[-+\u2212]?\d+(?:[.,]\d+)?/.exec(digits);
    if (match) { return { n: parseFloat(match[0].replace(",", ".").replace("\u2212", "-")) }; }
    return { s: text.toLocaleLowerCase() };
  }

  function compare(a, b) {
    if (a.n !== undefined && b.n !== undefined) { return a.n - b.n; }
    if (a.n !== undefined) { return -1; }
    if (b.n !== undefined) { return 1; }
    return a.s.localeCompare(b.s, document.documentElement.lang);
  }

  function sortBy(table, index, button) {
    var th = button.parentNode;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    var heads = table.tHead.rows[0].cells;
    for (var h = 0; h < heads.length; h++) { heads[h].removeAttribute("aria-sort"); }
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compare(key(r1.cells[index]), key(r2.cells[index]));
      return ascending ? c : -c;
    });
    for (var r = 0; r < rows.length; r++) { body.appendChild(rows[r]); }
  }

  // Every table marked "sortable" gets a button in each column header: a button is
  // reached by Tab and pressed by Enter or Space, with aria-sort telling the order.
  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) { return; }
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener("click", function () { sortBy(table, index, button); });
    });
  }

  function start() {
    var sortable = document.querySelectorAll("table.sortable");
    for (var i = 0; i < sortable.length; i++) { makeSortable(sortable[i]); }
    markScrolling();
    window.addEventListener("resize", markScrolling);
    document.addEventListener("scroll", function (e) {
      if (e.target && e.target.tagName === "TABLE") { markScrolling(); }
    }, true);
  }

  // live.js swapped fresh markup into the page: enhance its tables again.
  document.addEventListener("saylau:live", function () {
    var sortable = document.querySelectorAll("table.sortable");
    for (var i = 0; i < sortable.length; i++) {
      if (!sortable[i].querySelector("button.sort")) { makeSortable(sortable[i]); }
    }
    markScrolling();
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
