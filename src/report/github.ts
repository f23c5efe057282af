/**
 * What a GitHub Actions run shows: a Markdown job summary (counts and top findings, no links) and
 * workflow-command annotations, one per missing ACTIVE record (capped). Pure: a DetectResult in,
 * text out; the CLI appends the summary to $GITHUB_STEP_SUMMARY and prints the annotations.
 */
import { reportVocabulary } from '../storage/vocabulary.js';
import type { DetectResult, MissingRow } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import { mb, scopeText } from './summary.js';

/** Annotations per run: GitHub shows at most 10 errors per step in the UI anyway; the rest is noise. */
export const ANNOTATION_LIMIT = 50;
/** Rows per table in the summary. */
export const SUMMARY_TOP = 10;

const n = (v: number): string => v.toLocaleString('en-US');

/** Workflow-command message data: %, CR and LF are encoded (GitHub's rules). */
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
/** Workflow-command property values: also `:` and `,`, which delimit properties. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * User text in Markdown: the characters that format, open HTML, make a table cell, maths or a link
 * (`http://`, `www.`, `a@b`) as numeric entities, line breaks as spaces.
 */
export const mdText = (s: string): string =>
  s
    .replace(/[\r\n]+/g, ' ')
    .replace(/[\\`*_{}[\]()#+!|<>~&:@$]/g, (c) => `&#${c.charCodeAt(0)};`)
    .replace(/www\./gi, (w) => `${w.slice(0, 3)}&#46;`);

const isActive = (m: MissingRow): boolean => m.status.toUpperCase() === 'ACTIVE';

/** The first `n` rows that `keep` keeps, in order, and how many it keeps in all (one pass: findings may be on disk). */
function firstKept<T>(rows: Iterable<T>, keep: (row: T) => boolean, n: number): { first: T[]; count: number } {
  const first: T[] = [];
  let count = 0;
  for (const row of rows) {
    if (!keep(row)) continue;
    if (count++ < n) first.push(row);
  }
  return { first, count };
}

/** The `n` first rows in `compare` order, as a stable sort then slice would give them, in one pass. */
function smallest<T>(rows: Iterable<T>, compare: (a: T, b: T) => number, n: number): T[] {
  const out: T[] = [];
  for (const row of rows) {
    if (out.length === n && compare(row, out[n - 1]!) >= 0) continue;
    let at = out.length;
    while (at > 0 && compare(row, out[at - 1]!) < 0) at--;
    out.splice(at, 0, row);
    if (out.length > n) out.pop();
  }
  return out;
}

const record = (m: MissingRow): string => `${m.source} #${m.recordId || '?'}${m.title ? ` "${m.title}"` : ''}`;

export function githubAnnotations(r: DetectResult): string[] {
  const lines: string[] = [];
  if (!r.complete) lines.push(`::warning title=${escapeProperty('asset-audit: incomplete scan')}::${escapeData(`The scan stopped early (${r.incompleteReason ?? 'stopped early'}); findings are partial.`)}`);
  const active = firstKept(r.missing, isActive, ANNOTATION_LIMIT);
  for (const m of active.first) {
    const title = escapeProperty(`Missing asset: ${m.resourceType}/${m.type}/${m.publicId}`);
    lines.push(`::error title=${title}::${escapeData(`${record(m)} (ACTIVE, author ${m.author || '-'}) references ${m.resourceType}/${m.type}/${m.publicId}, which is not in ${reportVocabulary(r.backend).storeTitle ?? 'Cloudinary'}: users see broken media.`)}`);
  }
  if (active.count > ANNOTATION_LIMIT) {
    lines.push(`::warning title=${escapeProperty('asset-audit: more missing assets')}::${escapeData(`${n(active.count - ANNOTATION_LIMIT)} more ACTIVE record(s) with missing assets are not annotated; see the report.`)}`);
  }
  return lines;
}

export function githubSummary(r: DetectResult, reportName?: string): string {
  const by = missingByStatus(r.missing);
  const h: string[] = [`## asset-audit: ${(reportVocabulary(r.backend).accountWord ?? 'Cloud').toLowerCase()} ${mdText(r.cloudName)}`, ''];
  if (!r.complete) h.push(`> **Incomplete scan:** ${mdText(r.incompleteReason ?? 'stopped early')}. The findings below are partial.`, '');
  h.push('| | |', '|---|---|', `| Scope | ${mdText(scopeText(r))} |`);
  if (r.scope.orphans) h.push(`| Assets scanned | ${n(r.listing.inScope)} |`, `| Orphaned files | ${n(r.orphans.length)} (${mb(r.orphanBytes)}) |`);
  if (r.scope.missing) {
    h.push(`| References checked | ${n(r.references.references)} in ${n(r.references.rows)} rows |`);
    h.push(`| Missing assets | ${n(r.missing.length)}: ${n(by.active)} ACTIVE, ${n(by.deleted)} DELETED${by.other ? `, ${n(by.other)} other` : ''} |`);
  }
  if (r.unverified.length) h.push(`| Not verified | ${n(r.unverified.length)} |`);
  h.push(`| Admin API calls | ${n(r.api.calls)} |`);
  if (reportName) h.push(`| Report | ${mdText(reportName)} |`);
  const active = firstKept(r.missing, isActive, SUMMARY_TOP);
  if (active.count) {
    h.push('', `### Missing assets of ACTIVE records (${n(active.count)})`, '', '| Record | Author | Asset |', '|---|---|---|');
    for (const m of active.first) h.push(`| ${mdText(record(m))} | ${mdText(m.author || '-')} | ${mdText(`${m.resourceType}/${m.type}/${m.publicId}`)} |`);
    if (active.count > SUMMARY_TOP) h.push('', `… and ${n(active.count - SUMMARY_TOP)} more in the report.`);
  }
  if (r.orphans.length) {
    const largest = smallest(r.orphans, (a, b) => b.bytes - a.bytes || (a.publicId < b.publicId ? -1 : a.publicId > b.publicId ? 1 : 0), SUMMARY_TOP);
    h.push('', `### Largest orphaned files (${n(r.orphans.length)} in all)`, '', '| public_id | Type | Size | Uploaded |', '|---|---|---|---|');
    for (const o of largest) h.push(`| ${mdText(o.publicId)} | ${mdText(`${o.resourceType}/${o.type}`)} | ${mb(o.bytes)} | ${mdText(o.uploadedAt.slice(0, 10))} |`);
  }
  return h.join('\n') + '\n';
}
