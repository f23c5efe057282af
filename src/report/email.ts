/**
 * The summary email, rendered from a DetectResult: subject, plain text and HTML. Pure. Titles,
 * authors and ids come from the user's database and Cloudinary: in HTML every one is escaped,
 * in the text each is kept on its line (control characters shown escaped). Nothing is masked.
 */
import { reportVocabulary } from '../storage/vocabulary.js';
import type { DetectResult, MissingRow } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import { oneLine } from './one-line.js';
import { mb, scopeText, SUMMARY_LIST_LIMIT } from './summary.js';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

export interface EmailContext {
  /** Where the CSV was written, as shown to people. */
  reportPath: string;
  /** Prepended to the subject, e.g. "[prod]". */
  subjectPrefix?: string;
  /** Why the run is worth a look beyond its findings, e.g. "orphans grew by 40 since …". */
  notes?: string[];
}

const n = (v: number): string => v.toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1));
const utc = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export const RECOMMENDED_ACTIONS = [
  'Review the records - are they soft-deleted already?',
  'For ACTIVE records: re-upload the asset, ask the owner to, or soft-delete the record',
  'For DELETED records: hard-delete them so they leave the feed for good',
  'Find out why the assets are missing (manual deletion in the console? a failed upload?)',
];

export const ORPHAN_ACTIONS = [
  'Open the CSV and check a few orphans in the Cloudinary console',
  'Recent orphans often mean a failed save after upload: check the application logs around their upload time',
  'Delete confirmed orphans from the report (asset-audit never deletes on its own)',
];

export function emailSubject(r: DetectResult, prefix?: string): string {
  const by = missingByStatus(r.missing);
  const parts: string[] = [];
  if (r.scope.orphans) parts.push(`${n(r.orphans.length)} orphaned file(s)`);
  if (r.scope.missing) parts.push(`${n(r.missing.length)} missing asset(s)${by.active ? ` (${n(by.active)} ACTIVE)` : ''}`);
  const head = `${prefix ? `${prefix} ` : ''}asset-audit ${r.cloudName}:`;
  return `${head} ${r.complete ? '' : 'INCOMPLETE scan, '}${parts.join(', ')}`;
}

function apiLine(r: DetectResult): string {
  const used = r.api.limit !== undefined ? r.api.limit - (r.api.remaining ?? 0) : undefined;
  return used !== undefined && r.api.limit
    ? `${n(r.api.calls)} this run; ${n(used)}/${n(r.api.limit)} used this hour (${pct(used, r.api.limit)}%)`
    : `${n(r.api.calls)} this run`;
}

function recordLabel(m: MissingRow): string {
  return `${m.source} #${m.recordId || '?'}${m.title ? `: '${m.title}'` : ''}`;
}

export function renderEmail(r: DetectResult, ctx: EmailContext): EmailContent {
  const by = missingByStatus(r.missing);
  const total = r.listing.inScope;
  const subject = emailSubject(r, ctx.subjectPrefix);
  const words = reportVocabulary(r.backend);
  const store = words.storeTitle ?? 'Cloudinary';
  const account = words.accountWord ?? 'Cloud';

  // ---- text ----
  const t: string[] = [];
  const rule = '='.repeat(60);
  t.push(`${store} Asset Detection Report`, rule, '');
  t.push(`${account}: ${r.cloudName}`, `Scan Date: ${utc(r.startedAt)}`, `Scan Range: ${scopeText(r)}`);
  if (!r.complete) t.push('', `INCOMPLETE SCAN: ${oneLine(r.incompleteReason ?? 'stopped early')}. The report holds what was found so far.`);
  for (const note of ctx.notes ?? []) t.push('', `NOTE: ${note}`);
  t.push('', 'Summary:', '--------');
  if (r.scope.orphans) t.push(`Total ${store} Files Scanned: ${n(total)}`, `Orphaned Files Found: ${n(r.orphans.length)}`);
  if (r.scope.missing) t.push(`References Checked: ${n(r.references.references)} in ${n(r.references.rows)} rows`, `Missing Assets Found: ${n(r.missing.length)}`);

  if (r.scope.orphans && r.orphans.length) {
    t.push('', 'Orphaned Files:', '---------------');
    t.push(`Valid Files: ${n(r.valid)} (${pct(r.valid, total)}%)`);
    t.push(`Orphaned Files: ${n(r.orphans.length)} (${pct(r.orphans.length, total)}%)`);
    t.push(`Total Orphan Size: ${mb(r.orphanBytes)}`, '');
    r.orphans.slice(0, SUMMARY_LIST_LIMIT).forEach((o, i) => t.push(`  ${i + 1}. ${oneLine(o.publicId)} (${o.resourceType}/${o.type}, ${mb(o.bytes)}, uploaded ${oneLine(o.uploadedAt)})`));
    if (r.orphans.length > SUMMARY_LIST_LIMIT) t.push(`  … and ${n(r.orphans.length - SUMMARY_LIST_LIMIT)} more in the attached report`);
    t.push('', 'What to do:', ...ORPHAN_ACTIONS.map((a, i) => `${i + 1}. ${a}`));
  }
  if (r.scope.missing && r.missing.length) {
    t.push('', 'Records with Missing Assets:', '----------------------------');
    t.push(`Total Missing: ${n(r.missing.length)}`, `ACTIVE (showing broken media): ${n(by.active)}`, `DELETED (in trash): ${n(by.deleted)}`);
    if (by.other) t.push(`Other status: ${n(by.other)}`);
    t.push('');
    for (const m of r.missing.slice(0, SUMMARY_LIST_LIMIT)) {
      t.push(oneLine(`  * ${recordLabel(m)}`), oneLine(`    Author: ${m.author || '-'} | Asset: ${m.publicId} | [${m.status}]${m.recordUrl ? ` | ${m.recordUrl}` : ''}`));
    }
    if (r.missing.length > SUMMARY_LIST_LIMIT) t.push(`  … and ${n(r.missing.length - SUMMARY_LIST_LIMIT)} more in the attached report`);
    if (by.active) t.push('', `CRITICAL: ${n(by.active)} ACTIVE record(s) show broken media to users!`);
    t.push('', 'Recommended Actions:', ...RECOMMENDED_ACTIONS.map((a, i) => `${i + 1}. ${a}`));
  }
  if (r.unverified.length) t.push('', `Not verified (scan stopped): ${n(r.unverified.length)} reference(s)`);
  t.push('', 'API Usage:', '----------', `Calls Used: ${apiLine(r)}`, `Execution Time: ${(r.durationMs / 1000).toFixed(1)} seconds`);
  t.push('', `Full report: ${ctx.reportPath} (attached)`, '', '--', `Automated report from asset-audit ${r.tool.version}`);
  const text = t.join('\n') + '\n';

  // ---- HTML ----
  const e = escapeHtml;
  const h: string[] = [];
  const row = (k: string, v: string) => `<tr><th align="left" style="padding:2px 12px 2px 0">${e(k)}</th><td>${e(v)}</td></tr>`;
  h.push('<!doctype html><html><body style="font-family:sans-serif;font-size:14px">');
  h.push(`<h2>${e(store)} Asset Detection Report</h2>`);
  h.push('<table>', row(account, r.cloudName), row('Scan date', utc(r.startedAt)), row('Scan range', scopeText(r)), '</table>');
  if (!r.complete) h.push(`<p style="color:#b45309"><strong>INCOMPLETE SCAN:</strong> ${e(r.incompleteReason ?? 'stopped early')}. The report holds what was found so far.</p>`);
  for (const note of ctx.notes ?? []) h.push(`<p style="color:#b45309"><strong>Note:</strong> ${e(note)}</p>`);
  h.push('<h3>Summary</h3><table>');
  if (r.scope.orphans) h.push(row('Files scanned', n(total)), row('Orphaned files', n(r.orphans.length)));
  if (r.scope.missing) h.push(row('References checked', `${n(r.references.references)} in ${n(r.references.rows)} rows`), row('Missing assets', n(r.missing.length)));
  h.push('</table>');
  if (r.scope.orphans && r.orphans.length) {
    h.push('<h3>Orphaned files</h3><table>');
    h.push(row('Valid files', `${n(r.valid)} (${pct(r.valid, total)}%)`), row('Orphaned files', `${n(r.orphans.length)} (${pct(r.orphans.length, total)}%)`), row('Total orphan size', mb(r.orphanBytes)));
    h.push('</table><ol>');
    for (const o of r.orphans.slice(0, SUMMARY_LIST_LIMIT)) h.push(`<li><code>${e(o.publicId)}</code> (${e(`${o.resourceType}/${o.type}`)}, ${e(mb(o.bytes))}, uploaded ${e(o.uploadedAt)})</li>`);
    h.push('</ol>');
    if (r.orphans.length > SUMMARY_LIST_LIMIT) h.push(`<p>… and ${n(r.orphans.length - SUMMARY_LIST_LIMIT)} more in the attached report.</p>`);
    h.push('<p>What to do:</p><ol>', ...ORPHAN_ACTIONS.map((a) => `<li>${e(a)}</li>`), '</ol>');
  }
  if (r.scope.missing && r.missing.length) {
    h.push('<h3>Records with missing assets</h3><table>');
    h.push(row('Total missing', n(r.missing.length)), row('ACTIVE (showing broken media)', n(by.active)), row('DELETED (in trash)', n(by.deleted)));
    if (by.other) h.push(row('Other status', n(by.other)));
    h.push('</table><ul>');
    for (const m of r.missing.slice(0, SUMMARY_LIST_LIMIT)) {
      const label = m.recordUrl && /^https?:\/\//i.test(m.recordUrl) ? `<a href="${e(m.recordUrl)}">${e(recordLabel(m))}</a>` : e(recordLabel(m));
      h.push(`<li>${label}<br>Author: ${e(m.author || '-')} | Asset: <code>${e(m.publicId)}</code> | [${e(m.status)}]</li>`);
    }
    h.push('</ul>');
    if (r.missing.length > SUMMARY_LIST_LIMIT) h.push(`<p>… and ${n(r.missing.length - SUMMARY_LIST_LIMIT)} more in the attached report.</p>`);
    if (by.active) h.push(`<p style="color:#b91c1c"><strong>CRITICAL: ${n(by.active)} ACTIVE record(s) show broken media to users!</strong></p>`);
    h.push('<p>Recommended actions:</p><ol>', ...RECOMMENDED_ACTIONS.map((a) => `<li>${e(a)}</li>`), '</ol>');
  }
  if (r.unverified.length) h.push(`<p>Not verified (scan stopped): ${n(r.unverified.length)} reference(s)</p>`);
  h.push('<h3>API usage</h3><table>', row('Calls used', apiLine(r)), row('Execution time', `${(r.durationMs / 1000).toFixed(1)} seconds`), '</table>');
  h.push(`<p>Full report: <code>${e(ctx.reportPath)}</code> (attached)</p>`);
  h.push(`<hr><p style="color:#666">Automated report from asset-audit ${e(r.tool.version)}</p></body></html>`);
  return { subject, text, html: h.join('\n') + '\n' };
}
