/**
 * The review page: one self-contained HTML file (inline style, script and data; no network but the
 * thumbnails) written beside the CSV, from which an operator selects orphans and exports the
 * confirmed report `delete` takes. Pure: a DetectResult and the report's name in, text out.
 */
import type { DetectResult, MissingRow, RowList } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import { reportVocabulary } from '../storage/vocabulary.js';
import { orphanRecord, orphanSectionFrame } from './csv.js';
import { escapeHtml as e } from './email.js';
import { REVIEW_JS } from './html-script.js';
import { REVIEW_CSS } from './html-style.js';
import { thumbnailFor, type ThumbSigner } from './html-thumbs.js';
import { mb, scopeText } from './summary.js';

/** Missing rows written into the page; the CSV holds them all. */
export const MISSING_SHOWN = 1_000;

export interface HtmlContext {
  /** The report's base name (`asset_detection_…`, no extension): the identity the export carries. */
  reportName: string;
  /** Opt-in signed thumbnails for private/authenticated assets (detect --html-signed-thumbnails). */
  signer?: ThumbSigner;
}

/** The exported file's name: the original base name plus `.confirmed`, so `delete` finds the twin. */
export const confirmedName = (reportName: string): string => `${reportName}.confirmed.csv`;

/** JSON inside <script>: `<` escaped so no value can close the element or open a comment. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const n = (v: number): string => v.toLocaleString('en-US');
const safeLink = (url: string): boolean => /^https?:\/\//i.test(url);

/** Orphans the page carries: a browser holds this many tiles' data comfortably; the CSV has them all. */
export const MAX_PAGE_ORPHANS = 100_000;
/** Orphan entries per piece handed to the writer. */
const BATCH = 1_000;

export function renderHtml(r: DetectResult, ctx: HtmlContext): string {
  const parts: string[] = [];
  writeHtml(r, ctx, (text) => parts.push(text));
  return parts.join('');
}

/** Writes the page in pieces (each ends between two JSON values or two elements), like the CSV writer. */
export function writeHtml(r: DetectResult, ctx: HtmlContext, write: (text: string) => void): void {
  const frame = orphanSectionFrame(r);
  const shown = Math.min(r.orphans.length, MAX_PAGE_ORPHANS);
  const meta = {
    reportName: ctx.reportName,
    twinName: `${ctx.reportName}.json`,
    exportName: confirmedName(ctx.reportName),
    startedAt: r.startedAt,
    csvHead: frame.head,
    csvTail: frame.tail,
  };
  const by = missingByStatus(r.missing);
  const h: string[] = [];
  h.push('<!doctype html>', '<html lang="en"><head><meta charset="utf-8">', '<meta name="viewport" content="width=device-width,initial-scale=1">');
  // the page loads images (thumbnails) and nothing else; no script but its own
  h.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src http: https: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">`);
  h.push(`<title>asset-audit review: ${e(r.cloudName)} ${e(r.startedAt.slice(0, 10))}</title>`, `<style>${REVIEW_CSS}</style></head><body>`);
  h.push('<header>', `<h1>Orphan review — ${e((reportVocabulary(r.backend).accountWord ?? 'Cloud').toLowerCase())} <span class="pid">${e(r.cloudName)}</span></h1>`, '<ul class="facts">');
  h.push(`<li>Scan: <b>${e(r.startedAt.replace('T', ' ').slice(0, 19))} UTC</b></li>`, `<li>Scope: <b>${e(scopeText(r))}</b></li>`);
  if (r.scope.orphans) h.push(`<li>Orphaned: <b>${n(r.orphans.length)}</b> file(s), <b>${e(mb(r.orphanBytes))}</b> of ${n(r.listing.inScope)} scanned</li>`);
  if (r.scope.missing) h.push(`<li>Missing assets: <b>${n(r.missing.length)}</b>${by.active ? ` (<b>${n(by.active)} ACTIVE</b>)` : ''}</li>`);
  if (r.unverified.length) h.push(`<li>Not verified (scan stopped): <b>${n(r.unverified.length)}</b> reference(s), listed in the CSV</li>`);
  h.push(`<li>Report: <b class="pid">${e(ctx.reportName)}.csv</b></li>`, '</ul>');
  if (!r.complete) h.push(`<p class="banner" role="alert">INCOMPLETE SCAN: ${e(r.incompleteReason ?? 'stopped early')}. This page holds what was found so far.</p>`);
  if (shown < r.orphans.length) h.push(`<p class="banner">This page shows the first ${n(shown)} of ${n(r.orphans.length)} orphans; the CSV report lists them all.</p>`);
  h.push('</header><main>');
  if (r.scope.orphans) h.push(...orphanSection(r.orphans.length, meta.exportName, meta.twinName));
  if (r.scope.missing) h.push(...missingSection(r.missing));
  h.push('</main>', `<script type="application/json" id="report-data">${scriptJson(meta)}</script>`, '<script type="application/json" id="report-orphans">[');
  write(h.join('\n'));
  // one read of the rows shown (findings may be spooled to disk: no slice from the start per batch)
  const rows = r.orphans.slice(0, shown);
  const preview = reportVocabulary(r.backend).preview;
  for (let i = 0; i < shown; i += BATCH) {
    const piece = rows.slice(i, Math.min(shown, i + BATCH)).map((o, k) => {
      const t = preview ? preview(o) : thumbnailFor(o, ctx.signer);
      return (i + k ? ',' : '') + scriptJson([o.publicId, o.resourceType, o.type, o.bytes, o.uploadedAt, t.kind, t.url ?? '', orphanRecord(o, r.backend)]);
    });
    write(piece.join('\n'));
  }
  write(`]</script>\n<script>${REVIEW_JS}</script>\n</body></html>\n`);
}

function orphanSection(count: number, exportName: string, twinName: string): string[] {
  const option = (value: string, label: string) => `<option value="${e(value)}">${e(label)}</option>`;
  return [
    '<section aria-labelledby="orphans-h">',
    `<h2 id="orphans-h">Orphaned files (${n(count)})</h2>`,
    '<form class="filters" role="search" aria-label="Filter orphans">',
    '<label>Search public_id<input id="f-search" type="search" autocomplete="off"></label>',
    '<label>Folder or prefix<input id="f-folder" type="text" autocomplete="off" placeholder="e.g. uploads/2023/"></label>',
    `<label>Resource type<select id="f-rtype">${option('', 'All')}${option('image', 'image')}${option('video', 'video')}${option('raw', 'raw')}</select></label>`,
    `<label>Delivery type<select id="f-type">${option('', 'All')}${option('upload', 'upload')}${option('private', 'private')}${option('authenticated', 'authenticated')}</select></label>`,
    '<label>Min. size (MB)<input id="f-size" type="number" min="0" step="0.1" inputmode="decimal"></label>',
    '<label>Older than (days)<input id="f-age" type="number" min="0" step="1" inputmode="numeric"></label>',
    `<label>Sort by<select id="f-sort">${option('uploaded', 'Upload date')}${option('size', 'Size')}${option('id', 'public_id')}${option('folder', 'Folder')}</select></label>`,
    `<label>Order<select id="f-dir">${option('asc', 'Ascending')}${option('desc', 'Descending')}</select></label>`,
    '<fieldset><legend>View</legend><label><input type="radio" name="view" value="grid" checked> Grid</label><label><input type="radio" name="view" value="table"> Table</label></fieldset>',
    '</form>',
    '<div class="bar">',
    '<button type="button" id="select-view">Select all shown</button>',
    '<button type="button" id="clear-view">Unselect all shown</button>',
    `<button type="button" id="export" class="primary" disabled aria-describedby="export-help">Export confirmed report</button>`,
    '<span id="sel-status" role="status" aria-live="polite"></span>',
    `<span id="export-help" class="visually-hidden">Downloads ${e(exportName)} holding only the selected rows, exactly as in the report. Put it beside ${e(twinName)}.</span>`,
    '<span id="export-status" role="status" aria-live="polite"></span>',
    '</div>',
    '<div class="scroller" id="orphan-scroller">',
    '<div class="thead" id="orphan-head" hidden aria-hidden="true"><span>Pick</span><span>Preview</span><span>public_id</span><span>Type</span><span>Size</span><span>Uploaded (UTC)</span><span>Folder</span></div>',
    '<ul class="list grid" id="orphan-list" aria-label="Orphaned files: tick the ones to delete"></ul>',
    '</div>',
    '<noscript><p>The selection and export need JavaScript; the CSV report lists every orphan.</p></noscript>',
    '</section>',
  ];
}

function missingSection(rows: RowList<MissingRow>): string[] {
  const h = ['<section aria-labelledby="missing-h">', `<h2 id="missing-h">Records with missing assets (${n(rows.length)})</h2>`];
  if (rows.length === 0) return [...h, '<p>None.</p>', '</section>'];
  h.push('<table class="missing"><thead><tr><th scope="col">Record</th><th scope="col">Status</th><th scope="col">Author</th><th scope="col">Asset</th><th scope="col">Stored reference</th></tr></thead><tbody>');
  for (const m of rows.slice(0, MISSING_SHOWN)) {
    const label = `${m.source} #${m.recordId || '?'}${m.title ? `: ${m.title}` : ''}`;
    const record = m.recordUrl && safeLink(m.recordUrl) ? `<a href="${e(m.recordUrl)}" rel="noreferrer noopener">${e(label)}</a>` : e(label);
    h.push(
      `<tr><td>${record}</td><td class="status-${e(m.status.toUpperCase().replace(/[^A-Z]/g, ''))}">${e(m.status)}</td><td>${e(m.author || '-')}</td>` +
        `<td class="ref">${e(`${m.resourceType}/${m.type}/${m.publicId}`)}</td><td class="ref">${e(m.reference)}</td></tr>`,
    );
  }
  h.push('</tbody></table>');
  if (rows.length > MISSING_SHOWN) h.push(`<p>… and ${n(rows.length - MISSING_SHOWN)} more in the CSV report.</p>`);
  return [...h, '</section>'];
}
