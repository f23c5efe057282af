/**
 * The review page's script (plain browser JavaScript, inlined). It reads the report data from the
 * page's JSON block, filters, sorts and selects orphans, renders only the tiles in view (10,000
 * orphans stay responsive), and exports the chosen rows verbatim as a confirmed report.
 * User data only ever reaches the DOM through textContent and attributes, never as markup.
 */
export const REVIEW_JS = String.raw`(() => {
'use strict';
const $ = (id) => document.getElementById(id);
if (!$('orphan-list')) { document.body.dataset.ready = 'true'; return; } // --missing-only: nothing to select
const data = JSON.parse($('report-data').textContent);
const DAY = 86400000, OVERSCAN = 3;
const SIZES = { grid: { w: 184, h: 274 }, table: { w: 0, h: 58 } };
const scanMs = Date.parse(data.startedAt);
const rows = JSON.parse(document.getElementById('report-orphans').textContent).map((r, i) => ({ i, id: r[0], rt: r[1], type: r[2], bytes: r[3], at: r[4], kind: r[5], thumb: r[6], rec: r[7],
  ageDays: (scanMs - Date.parse(r[4])) / DAY }));
const folderOf = (id) => (id.lastIndexOf('/') < 0 ? '(root)' : id.slice(0, id.lastIndexOf('/')));
const mb = (b) => (b < 1024 && b > 0 ? b + ' B' : b < 104858 && b > 0 ? (b / 1024).toFixed(1) + ' KB' : (b / 1048576).toFixed(1) + ' MB');
const selected = new Set();
const els = new Map();
let view = rows.slice();
let mode = 'grid';
const scroller = $('orphan-scroller'), list = $('orphan-list'), head = $('orphan-head');

function filter() {
  const q = $('f-search').value.trim().toLowerCase();
  const prefix = $('f-folder').value.trim();
  const rt = $('f-rtype').value, ty = $('f-type').value;
  const minMb = parseFloat($('f-size').value), minAge = parseFloat($('f-age').value);
  const minBytes = Number.isFinite(minMb) ? minMb * 1048576 : 0;
  view = rows.filter((r) => (!q || r.id.toLowerCase().includes(q)) && (!prefix || r.id.startsWith(prefix)) && (!rt || r.rt === rt) &&
    (!ty || r.type === ty) && r.bytes >= minBytes && (!Number.isFinite(minAge) || r.ageDays >= minAge));
  const key = $('f-sort').value, dir = $('f-dir').value === 'desc' ? -1 : 1;
  const by = { uploaded: (a, b) => a.at.localeCompare(b.at), size: (a, b) => a.bytes - b.bytes, id: (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    folder: (a, b) => folderOf(a.id).localeCompare(folderOf(b.id)) || (a.id < b.id ? -1 : 1) }[key];
  view.sort((a, b) => dir * by(a, b) || a.i - b.i);
  scroller.scrollTop = 0;
  render(true);
  status();
}

function geometry() {
  const s = SIZES[mode];
  const cols = mode === 'grid' ? Math.max(1, Math.floor((scroller.clientWidth - 8) / s.w)) : 1;
  return { cols, w: s.w, h: s.h };
}

function render(reset) {
  const g = geometry();
  const lines = Math.ceil(view.length / g.cols);
  list.style.height = lines * g.h + 'px';
  if (reset) { for (const el of els.values()) el.remove(); els.clear(); }
  const first = Math.max(0, Math.floor(scroller.scrollTop / g.h) - OVERSCAN);
  const last = Math.min(lines, Math.ceil((scroller.scrollTop + scroller.clientHeight) / g.h) + OVERSCAN);
  const keep = new Set();
  for (let p = first * g.cols; p < Math.min(view.length, last * g.cols); p++) {
    const r = view[p];
    keep.add(r.i);
    let el = els.get(r.i);
    if (!el) { el = tile(r); els.set(r.i, el); list.appendChild(el); }
    el.style.transform = 'translate(' + (p % g.cols) * g.w + 'px,' + Math.floor(p / g.cols) * g.h + 'px)';
    el.setAttribute('aria-posinset', String(p + 1));
    el.setAttribute('aria-setsize', String(view.length));
  }
  for (const [i, el] of els) if (!keep.has(i) && !el.contains(document.activeElement)) { el.remove(); els.delete(i); }
}

function text(tag, cls, value) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  el.textContent = value;
  return el;
}

function tile(r) {
  const li = document.createElement('li');
  li.className = 'item' + (selected.has(r.i) ? ' sel' : '');
  li.dataset.i = String(r.i);
  const label = document.createElement('label');
  const box = document.createElement('input');
  box.type = 'checkbox';
  box.checked = selected.has(r.i);
  box.dataset.i = String(r.i);
  const thumb = document.createElement('span');
  thumb.className = 'thumb';
  if (r.kind === 'image') {
    const img = document.createElement('img');
    img.alt = 'Preview of ' + r.id;
    img.loading = 'lazy';
    img.decoding = 'async';
    img.referrerPolicy = 'no-referrer';
    img.width = 160; img.height = 160;
    img.addEventListener('error', () => { thumb.textContent = 'Preview failed'; }, { once: true });
    img.src = r.thumb;
    thumb.appendChild(img);
  } else {
    thumb.textContent = r.kind === 'raw' ? 'RAW file (no preview)' : r.kind === 'private' ? r.type + ' asset: preview off' : 'No preview';
  }
  const meta = document.createElement('span');
  meta.className = 'info';
  meta.append(text('span', 'pid', r.id), text('span', 'meta', r.rt + '/' + r.type), text('span', 'meta', mb(r.bytes)),
    text('span', 'meta', r.at.slice(0, 10) + ' ' + r.at.slice(11, 16)), text('span', 'meta folder', folderOf(r.id)));
  label.append(box, thumb, meta);
  li.title = r.id;
  li.appendChild(label);
  return li;
}

function status() {
  let bytes = 0;
  for (const r of rows) if (selected.has(r.i)) bytes += r.bytes;
  $('sel-status').textContent = 'Selected: ' + selected.size.toLocaleString('en-US') + ' file(s), ' + mb(bytes) + ' · shown: ' +
    view.length.toLocaleString('en-US') + ' of ' + rows.length.toLocaleString('en-US');
  $('export').disabled = selected.size === 0;
}

function mark(i, on) {
  if (on) selected.add(i); else selected.delete(i);
  const el = els.get(i);
  if (el) { el.classList.toggle('sel', on); el.querySelector('input').checked = on; }
}

list.addEventListener('change', (e) => {
  const t = e.target;
  if (t && t.dataset && t.dataset.i !== undefined) { mark(Number(t.dataset.i), t.checked); status(); }
});
$('select-view').addEventListener('click', () => { for (const r of view) mark(r.i, true); status(); });
$('clear-view').addEventListener('click', () => { for (const r of view) mark(r.i, false); status(); });
$('export').addEventListener('click', () => {
  const chosen = rows.filter((r) => selected.has(r.i));
  const blob = new Blob([data.csvHead + chosen.map((r) => r.rec).join('') + data.csvTail], { type: 'text/csv;charset=utf-8' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = data.exportName;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  const note = $('export-status');
  note.textContent = 'Downloaded ' + data.exportName + ' (' + chosen.length + ' row(s)). Move it into the folder that holds ' + data.twinName + ', then run: ';
  note.appendChild(text('code', '', 'asset-audit delete --input ' + data.exportName));
});
for (const id of ['f-search', 'f-folder', 'f-size', 'f-age']) $(id).addEventListener('input', filter);
for (const id of ['f-rtype', 'f-type', 'f-sort', 'f-dir']) $(id).addEventListener('change', filter);
for (const el of document.querySelectorAll('input[name=view]')) el.addEventListener('change', (e) => {
  mode = e.target.value;
  list.className = 'list ' + mode;
  head.hidden = mode !== 'table';
  render(true);
});
document.querySelector('form.filters').addEventListener('submit', (e) => e.preventDefault());
let pending = false;
const later = () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; render(false); }); } };
scroller.addEventListener('scroll', later, { passive: true });
window.addEventListener('resize', later);
filter();
document.body.dataset.ready = 'true';
})();`;
