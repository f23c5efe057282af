/**
 * The human summary: lines of text, printed by the CLI on the terminal. Values from the data are
 * shown through oneLine, so a title holding a line break cannot forge a line.
 */
import type { DetectResult } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import type { Sampled } from '../audit/reference-index.js';
import { diagnostic } from '../config/redact.js';
import { oneLine } from './one-line.js';
import { reportVocabulary } from '../storage/vocabulary.js';

export interface Paint {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
}

const n = (v: number): string => v.toLocaleString('en-US');
const pct = (part: number, whole: number): string => (whole === 0 ? '0.0' : ((part / whole) * 100).toFixed(1));
export const mb = (bytes: number): string => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** How many orphans and missing records are listed by name in the summary. */
export const SUMMARY_LIST_LIMIT = 20;

export function summaryLines(r: DetectResult, paint: Paint, reportPath?: string): string[] {
  const lines: string[] = [];
  const rule = '='.repeat(60);
  lines.push('', paint.bold('Results'), rule);
  lines.push(`${reportVocabulary(r.backend).accountWord ?? 'Cloud'}: ${r.cloudName}   Scope: ${scopeText(r)}`);
  if (r.scope.orphans) {
    const total = r.listing.inScope;
    lines.push(`Assets scanned: ${n(total)}`);
    lines.push(paint.green(`  Referenced: ${n(r.valid)} (${pct(r.valid, total)}%)`));
    if (r.ignored) lines.push(`  Ignored by config: ${n(r.ignored)}`);
    const orphanLine = `  Orphaned: ${n(r.orphans.length)} (${pct(r.orphans.length, total)}%), ${mb(r.orphanBytes)}`;
    lines.push(r.orphans.length ? paint.yellow(orphanLine) : orphanLine);
    if (r.listing.apart) lines.push(`  Set apart, never orphans: ${n(r.listing.apart.count)} (${apartText(r.listing.apart.samples)})`);
    if (r.listing.gaps) lines.push(paint.yellow(`  Could not be listed: ${n(r.listing.gaps.count)} (${apartText(r.listing.gaps.samples)})`));
  }
  if (r.scope.missing) {
    const by = missingByStatus(r.missing);
    lines.push(`References checked: ${n(r.references.references)} in ${n(r.references.rows)} rows (${n(r.references.distinct)} distinct assets)`);
    const missingLine = `  Missing assets: ${n(r.missing.length)} record reference(s)` + (r.missing.length ? ` — ${n(by.active)} ACTIVE, ${n(by.deleted)} DELETED${by.other ? `, ${n(by.other)} other` : ''}` : '');
    lines.push(r.missing.length ? paint.red(missingLine) : missingLine);
    if (by.active) lines.push(paint.red(`  CRITICAL: ${n(by.active)} ACTIVE record(s) show broken media to users.`));
    if (r.unverified.length) lines.push(paint.yellow(`  Not verified (scan stopped, or a check settled nothing): ${n(r.unverified.length)}`));
    if (r.outOfScope) lines.push(`  Outside this scan's scope: ${n(r.outOfScope)}`);
  }
  if (r.references.foreign.count) {
    lines.push(`  Not this account's assets (other clouds, fetch, other hosts): ${n(r.references.foreign.count)}`);
    lines.push(...sampleLines(r.references.foreign, paint));
  }
  if (r.references.invalid.count) {
    lines.push(paint.yellow(`  Values not understood: ${n(r.references.invalid.count)}`));
    lines.push(...sampleLines(r.references.invalid, paint));
  }
  lines.push(`API calls: ${n(r.api.calls)}` + (r.api.limit !== undefined ? ` — budget left ${n(r.api.remaining ?? 0)}/${n(r.api.limit)} (${pct(r.api.remaining ?? 0, r.api.limit)}%)` : '') + (r.api.retries ? `, ${n(r.api.retries)} retried` : ''));
  const windows = r.plan?.windows;
  if (windows?.split) lines.push(`Listing: ${windows.reason}`);
  else if (windows?.budgetTight) lines.push(`Listing not split into windows: ${windows.reason}`);
  if (r.api.concurrency) lines.push(paint.yellow(`Admin API calls in flight lowered to ${n(r.api.concurrency.lowest)} (of ${n(r.api.concurrency.max)}) while the store throttled, failed or slowed down`));
  const headsLine = reportVocabulary(r.backend).headsLine;
  if (r.api.heads) lines.push(headsLine ? headsLine(n(r.api.heads)) : `HEAD requests: ${n(r.api.heads)} (existence checks on delivery URLs; not Admin API calls)`);
  lines.push(`Time: ${(r.durationMs / 1000).toFixed(1)} s`);
  for (const w of r.warnings) lines.push(paint.yellow(`Warning: ${oneLine(w)}`));

  if (r.orphans.length) {
    lines.push('', paint.bold('Orphaned files') + (r.orphans.length > SUMMARY_LIST_LIMIT ? ` (first ${SUMMARY_LIST_LIMIT} of ${n(r.orphans.length)})` : ''));
    r.orphans.slice(0, SUMMARY_LIST_LIMIT).forEach((o, i) => {
      lines.push(`  ${i + 1}. ${oneLine(o.publicId)}  ${o.resourceType}/${o.type}, ${mb(o.bytes)}, ${oneLine(o.format || '-')}, uploaded ${oneLine(o.uploadedAt)}`);
    });
  }
  if (r.missing.length) {
    lines.push('', paint.bold('Records with missing assets') + (r.missing.length > SUMMARY_LIST_LIMIT ? ` (first ${SUMMARY_LIST_LIMIT} of ${n(r.missing.length)})` : ''));
    for (const m of r.missing.slice(0, SUMMARY_LIST_LIMIT)) {
      lines.push(oneLine(`  - ${m.source} #${m.recordId || '?'}${m.title ? ` '${m.title}'` : ''}${m.author ? ` by ${m.author}` : ''} [${m.status}] → ${m.publicId}`));
    }
  }
  lines.push('');
  if (!r.complete) lines.push(paint.yellow(`INCOMPLETE: ${oneLine(r.incompleteReason ?? 'stopped early')}. The report holds what was found so far.`));
  if (reportPath) lines.push(`Report: ${reportPath}`);
  return lines;
}

/** The first few entries set apart, named. */
function apartText(samples: Array<{ key: string; reason: string }>): string {
  const shown = samples.slice(0, SUMMARY_SAMPLE_LIMIT).map((s) => `${JSON.stringify(s.key)}: ${s.reason}`);
  return oneLine(shown.join(', ') + (samples.length > SUMMARY_SAMPLE_LIMIT ? ', … (all counted in the JSON report)' : ''));
}

/** Examples of foreign / unparsable values shown in the summary (the JSON report keeps more). */
export const SUMMARY_SAMPLE_LIMIT = 3;
/** Stored values can be whole HTML documents: the summary shows their start. */
const SAMPLE_CHARS = 100;

/** A few of the values the tool did not count as references, so silence is never trusted blindly. */
function sampleLines(bucket: Sampled, paint: Paint): string[] {
  const shown = bucket.samples.slice(0, SUMMARY_SAMPLE_LIMIT).map((s) => {
    // masked before it is cut (half a secret is still a leak) and quoted; see config/redact.ts
    const flat = diagnostic(s.value.replace(/\s+/g, ' '));
    const value = flat.length > SAMPLE_CHARS ? `${flat.slice(0, SAMPLE_CHARS)}…` : flat;
    return paint.dim(oneLine(`    e.g. ${s.source} #${s.recordId || '?'}: ${JSON.stringify(value)} — ${s.reason}`));
  });
  if (bucket.count > shown.length) shown.push(paint.dim(`    (more samples in the JSON report)`));
  return shown;
}

export function scopeText(r: DetectResult): string {
  const parts = [r.scope.days === null ? 'all uploads' : `uploads of the last ${r.scope.days} day(s)`];
  if (r.scope.prefix) parts.push(`prefix "${r.scope.prefix}"`);
  parts.push(`${r.scope.resourceTypes.join('+')} × ${r.scope.types.join('+')}`);
  if (!r.scope.orphans) parts.push('missing check only');
  if (!r.scope.missing) parts.push('orphan check only');
  return parts.join(', ');
}
