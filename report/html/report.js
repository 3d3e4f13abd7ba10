// tcpmortem report: sort and filter the flow table, toggle chart series. Vanilla JS,
// no network. State lives in the URL fragment (#sort=duration&dir=desc&filter=...&
// verdict=...&severity=...): the page applies it on load, so a link shows the same
// view (and tests drive the page with it).
(function () {
  'use strict';
  var table = document.getElementById('flowtable');
  var q = document.getElementById('q');
  var selV = document.getElementById('fverdict');
  var selS = document.getElementById('fseverity');
  var shown = document.getElementById('shown');
  var heads = table ? table.tHead.rows[0].cells : [];
  var tbody = table ? table.tBodies[0] : null;
  var rows = tbody ? Array.prototype.slice.call(tbody.rows) : [];
  var state = { sort: 'id', dir: 'asc' };

  function colIndex(key) {
    for (var i = 0; i < heads.length; i++) {
      if (heads[i].getAttribute('data-key') === key) { return i; }
    }
    return -1;
  }

  function value(row, i, num) {
    var c = row.cells[i];
    var v = c.getAttribute('data-v');
    if (v === null) { v = c.textContent; }
    if (num) { var n = parseFloat(v); return isNaN(n) ? -Infinity : n; }
    return v.trim().toLowerCase();
  }

  function sortBy(key, dir) {
    var i = colIndex(key);
    if (i < 0) { return false; }
    var num = heads[i].getAttribute('data-type') === 'num';
    var sign = dir === 'desc' ? -1 : 1;
    var list = rows.map(function (r, idx) { return { r: r, v: value(r, i, num), idx: idx }; });
    list.sort(function (a, b) {
      if (a.v < b.v) { return -sign; }
      if (a.v > b.v) { return sign; }
      return a.idx - b.idx; // stable: by flow ID
    });
    var frag = document.createDocumentFragment();
    list.forEach(function (d) { frag.appendChild(d.r); });
    tbody.appendChild(frag);
    for (var j = 0; j < heads.length; j++) { heads[j].removeAttribute('aria-sort'); }
    heads[i].setAttribute('aria-sort', dir === 'desc' ? 'descending' : 'ascending');
    table.setAttribute('data-sort', key);
    table.setAttribute('data-dir', dir);
    state.sort = key;
    state.dir = dir;
    return true;
  }

  function severityMatches(row, want) {
    var s = row.getAttribute('data-severity');
    if (want === 'problems') { return s !== 'ok'; }
    return s === want;
  }

  function applyFilter() {
    var terms = q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var v = selV.value, s = selS.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!v || r.getAttribute('data-verdict') === v) && (!s || severityMatches(r, s));
      if (ok && terms.length) {
        var text = r.textContent.toLowerCase();
        ok = terms.every(function (t) { return text.indexOf(t) >= 0; });
      }
      r.hidden = !ok;
      if (ok) { n++; }
    });
    shown.textContent = String(n);
    table.setAttribute('data-shown', String(n));
  }

  function saveHash() {
    var parts = [];
    if (state.sort !== 'id' || state.dir !== 'asc') { parts.push('sort=' + encodeURIComponent(state.sort)); parts.push('dir=' + state.dir); }
    if (q.value) { parts.push('filter=' + encodeURIComponent(q.value)); }
    if (selV.value) { parts.push('verdict=' + encodeURIComponent(selV.value)); }
    if (selS.value) { parts.push('severity=' + encodeURIComponent(selS.value)); }
    try { history.replaceState(null, '', parts.length ? '#' + parts.join('&') : location.pathname + location.search); } catch (e) { /* file:// in some browsers */ }
  }

  function setSelect(sel, v) {
    for (var i = 0; i < sel.options.length; i++) {
      if (sel.options[i].value === v) { sel.value = v; return; }
    }
    sel.value = '';
  }

  // applyHash reads #sort=...&dir=...&filter=...&verdict=...&severity=...; a plain
  // anchor (#flow-12) opens that flow's ladder instead.
  function applyHash() {
    var h = location.hash.replace(/^#/, '');
    if (/^flow-\d+$/.test(h)) {
      var d = document.getElementById(h);
      if (d && d.tagName === 'DETAILS') { d.open = true; }
      return;
    }
    if (h.indexOf('=') < 0 || !table) { return; }
    var p = {};
    h.split('&').forEach(function (kv) {
      var i = kv.indexOf('=');
      if (i > 0) {
        try { p[kv.slice(0, i)] = decodeURIComponent(kv.slice(i + 1).replace(/\+/g, ' ')); } catch (e) { /* bad escape */ }
      }
    });
    q.value = p.filter || '';
    setSelect(selV, p.verdict || '');
    setSelect(selS, p.severity || '');
    var dir = p.dir === 'desc' ? 'desc' : 'asc';
    if (!sortBy(p.sort || 'id', dir)) { sortBy('id', 'asc'); }
    applyFilter();
  }

  if (table) {
    Array.prototype.forEach.call(heads, function (th) {
      th.addEventListener('click', function () {
        var key = th.getAttribute('data-key');
        sortBy(key, state.sort === key && state.dir === 'asc' ? 'desc' : 'asc');
        saveHash();
      });
    });
    q.addEventListener('input', function () { applyFilter(); saveHash(); });
    selV.addEventListener('change', function () { applyFilter(); saveHash(); });
    selS.addEventListener('change', function () { applyFilter(); saveHash(); });
    Array.prototype.forEach.call(document.querySelectorAll('.chip[data-verdict]'), function (b) {
      b.addEventListener('click', function () {
        var v = b.getAttribute('data-verdict');
        setSelect(selV, selV.value === v ? '' : v);
        applyFilter();
        saveHash();
        document.getElementById('flows').scrollIntoView();
      });
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('.legend button[data-series]'), function (b) {
    b.addEventListener('click', function () {
      var fig = b.closest('figure');
      var st = b.getAttribute('data-series');
      var on = b.getAttribute('aria-pressed') !== 'false';
      b.setAttribute('aria-pressed', on ? 'false' : 'true');
      Array.prototype.forEach.call(fig.querySelectorAll('path.series'), function (p) {
        if (p.getAttribute('data-state') === st) { p.classList.toggle('off', on); }
      });
    });
  });

  window.addEventListener('hashchange', applyHash);
  applyHash();
  document.documentElement.setAttribute('data-ready', '1');
})();
