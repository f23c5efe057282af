/**
 * The run history: one JSON line per detect run in `<reportsDir>/history.jsonl`, so a trend can be
 * read and a spike caught (--fail-on-increase) without opening old reports.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DetectResult, Scope } from '../audit/result.js';
import { missingByStatus } from '../audit/result.js';
import { appendDurably } from '../files/safe-write.js';

export const HISTORY_FILE = 'history.jsonl';
export const HISTORY_FORMAT_VERSION = 1;

export interface HistoryEntry {
  v: number;
  startedAt: string;
  durationMs: number;
  cloud: string;
  /** Identifies runs that can be compared: same cloud, window, prefix, partitions and checks. */
  scopeKey: string;
  scope: string;
  complete: boolean;
  incompleteReason?: string;
  assetsScanned: number;
  references: number;
  orphans: number;
  orphanBytes: number;
  missing: number;
  missingActive: number;
  unverified: number;
  apiCalls: number;
  report: string;
}

/** `since` moves with the clock, so it is left out: two `--days 7` runs are the same scope. */
export function scopeKey(cloud: string, s: Scope): string {
  const window = s.days === null ? 'all' : `days=${s.days}`;
  const checks = [s.orphans ? 'orphans' : '', s.missing ? 'missing' : ''].filter(Boolean).join('+');
  return [cloud, window, `prefix=${s.prefix ?? ''}`, [...s.resourceTypes].sort().join('+'), [...s.types].sort().join('+'), checks].join(' ');
}

export function historyEntry(r: DetectResult, reportPath: string, scopeLabel: string): HistoryEntry {
  return {
    v: HISTORY_FORMAT_VERSION,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    cloud: r.cloudName,
    scopeKey: scopeKey(r.cloudName, r.scope),
    scope: scopeLabel,
    complete: r.complete,
    ...(r.complete ? {} : { incompleteReason: r.incompleteReason ?? 'stopped early' }),
    assetsScanned: r.listing.inScope,
    references: r.references.references,
    orphans: r.orphans.length,
    orphanBytes: r.orphanBytes,
    missing: r.missing.length,
    missingActive: missingByStatus(r.missing).active,
    unverified: r.unverified.length,
    apiCalls: r.api.calls,
    report: reportPath,
  };
}

export const historyPath = (reportsDir: string): string => path.join(reportsDir, HISTORY_FILE);

/**
 * One append of one line: concurrent runs cannot interleave within it (O_APPEND, a single write).
 * Fsynced, and a symlinked history file is refused.
 */
export function appendHistory(reportsDir: string, entry: HistoryEntry): string {
  const file = historyPath(reportsDir);
  appendDurably(file, JSON.stringify(entry) + '\n');
  return file;
}

/** Reads every well-formed line; a torn or hand-edited line is skipped and counted, never fatal. */
export function readHistory(reportsDir: string): { entries: HistoryEntry[]; skipped: number; file: string } {
  const file = historyPath(reportsDir);
  if (!existsSync(file)) return { entries: [], skipped: 0, file };
  const entries: HistoryEntry[] = [];
  let skipped = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HistoryEntry;
      if (typeof e.startedAt !== 'string' || typeof e.scopeKey !== 'string' || typeof e.orphans !== 'number' || typeof e.missing !== 'number') throw new Error('shape');
      entries.push(e);
    } catch {
      skipped++;
    }
  }
  return { entries, skipped, file };
}

/** The latest complete run of the same scope before `before` (an ISO time). */
export function previousComplete(entries: HistoryEntry[], key: string, before?: string): HistoryEntry | undefined {
  let best: HistoryEntry | undefined;
  for (const e of entries) {
    if (!e.complete || e.scopeKey !== key) continue;
    if (before !== undefined && e.startedAt >= before) continue;
    if (!best || e.startedAt > best.startedAt) best = e;
  }
  return best;
}

export interface Increase {
  what: 'orphans' | 'missing';
  from: number;
  to: number;
  by: number;
}

/** Growth above `threshold` in orphans or missing since `prev`. */
export function increases(prev: Pick<HistoryEntry, 'orphans' | 'missing'>, now: Pick<HistoryEntry, 'orphans' | 'missing'>, threshold: number): Increase[] {
  const out: Increase[] = [];
  for (const what of ['orphans', 'missing'] as const) {
    const by = now[what] - prev[what];
    if (by > threshold) out.push({ what, from: prev[what], to: now[what], by });
  }
  return out;
}
