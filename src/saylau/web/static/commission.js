// The commission workspace's entry form: keyboard moves, and the control relations
// evaluated while typing from the JSON the server derives from its own definitions
// (saylau.trust.protocol_form.rules).  The server checks everything again.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form) { return; }
  var rules = JSON.parse(document.getElementById("rules").textContent);
  var texts = JSON.parse(document.getElementById("texts").textContent);
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[data-field]"));
  var byField = {};
  inputs.forEach(function (el) { byField[el.dataset.field] = el; });
  var summary = document.getElementById("summary");
  var warnings = document.getElementById("warnings");
  var save = document.getElementById("save");

  function parse(el) {
    var raw = el.value.replace(/[\s\u00a0]/g, "");
    if (raw === "") { return { code: "E01" }; }
    if (!/^[0-9]+$/.test(raw)) { return { code: "E02" }; }
    var n = Number(raw);
    if (n > rules.max) { return { code: "E03" }; }
    return { value: n };
  }

  function total(counts, coef) {
    var s = 0;
    Object.keys(coef).forEach(function (f) { s += (counts[f] || 0) * coef[f]; });
    return s;
  }

  function sumOf(counts, fields) {
    return fields.reduce(function (s, f) { return s + (counts[f] || 0); }, 0);
  }

  function check(touchedOnly) {
    var counts = {}, messages = [], complete = true;
    inputs.forEach(function (el) {
      var got = parse(el);
      if (got.code) {
        complete = false;
        if (got.code !== "E01" || !touchedOnly || el.dataset.touched) {
          messages.push({ code: got.code, fields: [el.dataset.field], error: true, detail: "" });
        }
      } else { counts[el.dataset.field] = got.value; }
    });
    if (complete) {
      rules.relations.forEach(function (r) {
        var l = total(counts, r.left), rt = total(counts, r.right);
        var ok = r.op === "ge" ? l >= rt : l === rt;
        if (!ok) {
          messages.push({ code: r.code, error: true, detail: l + (r.op === "ge" ? " < " : " ≠ ") + rt,
            fields: Object.keys(r.left).concat(Object.keys(r.right)) });
        }
      });
      rules.warnings.forEach(function (w) {
        var num = sumOf(counts, w.num), den = sumOf(counts, w.den), hit;
        if (w.kind === "share") { hit = den > 0 && num >= Math.ceil(den * w.percent / 100); }
        else if (w.kind === "differ") { hit = num !== den; }
        else { hit = num === 0; }
        if (hit) {
          messages.push({ code: w.code, error: false, detail: num + " / " + den,
            fields: w.num.concat(w.den) });
        }
      });
    }
    show(messages);
    return messages;
  }

  function show(messages) {
    inputs.forEach(function (el) {
      var list = document.getElementById(el.getAttribute("aria-describedby"));
      list.textContent = "";
      el.removeAttribute("aria-invalid");
      el.closest("tr").classList.remove("has-error", "has-warning");
    });
    messages.forEach(function (m) {
      m.fields.filter(function (f, i) { return m.fields.indexOf(f) === i; }).forEach(function (f) {
        var el = byField[f];
        if (!el) { return; }
        var li = document.createElement("li");
        li.className = m.error ? "error" : "warning";
        li.textContent = m.code + " " + (texts[m.code] || "");
        document.getElementById(el.getAttribute("aria-describedby")).appendChild(li);
        var row = el.closest("tr");
        if (m.error) { el.setAttribute("aria-invalid", "true"); row.classList.add("has-error"); }
        else if (!row.classList.contains("has-error")) { row.classList.add("has-warning"); }
      });
    });
    summary.textContent = "";
    if (messages.length) {
      var ul = document.createElement("ul");
      messages.forEach(function (m) {
        var li = document.createElement("li");
        li.className = m.error ? "error" : "warning";
        li.dataset.code = m.code;
        var strong = document.createElement("strong");
        strong.textContent = m.code;
        li.appendChild(strong);
        li.appendChild(document.createTextNode(" " + (texts[m.code] || "") + (m.detail ? " (" + m.detail + ")" : "")));
        ul.appendChild(li);
      });
      summary.appendChild(ul);
    }
    var codes = messages.filter(function (m) { return !m.error; }).map(function (m) { return m.code; });
    warnings.hidden = codes.length === 0;
    Array.prototype.forEach.call(warnings.querySelectorAll(".explain"), function (div) {
      div.hidden = codes.indexOf(div.dataset.code) < 0;
    });
    save.disabled = messages.some(function (m) { return m.error; });
  }

  inputs.forEach(function (el, i) {
    el.addEventListener("input", function () { el.dataset.touched = "1"; check(true); });
    el.addEventListener("blur", function () { el.dataset.touched = "1"; check(true); });
    el.addEventListener("focus", function () { el.select(); });
    el.addEventListener("keydown", function (ev) {
      var next = null;
      if (ev.key === "Enter" || (ev.key === "ArrowDown" && !ev.shiftKey)) { next = inputs[i + 1] || save; }
      else if (ev.key === "ArrowUp") { next = inputs[i - 1] || null; }
      if (next) { ev.preventDefault(); next.focus(); }
      else if (ev.key === "Enter") { ev.preventDefault(); }
    });
  });
  form.addEventListener("submit", function (ev) {
    var pausing = ev.submitter && ev.submitter.value === "pause";
    if (pausing) { return; }
    inputs.forEach(function (el) { el.dataset.touched = "1"; });
    var messages = check(false);
    var bad = messages.filter(function (m) { return m.error; });
    if (bad.length) {
      ev.preventDefault();
      byField[bad[0].fields[0]].focus();
    }
  });
  if (inputs.some(function (el) { return el.value !== ""; })) { check(true); }
})();
