/** `asset-audit history`: the trend of past detect runs, per scope, from the reports directory. */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { parseCount } from '../config/scope.js';
import { readHistory, type HistoryEntry } from '../history/history.js';
import { mb } from '../report/summary.js';
import { ExitCode, usageError } from './exit.js';
import { createOutput } from './output.js';

interface HistoryFlags {
  config?: string;
  reportsDir?: string;
  limit: string;
  json?: boolean;
}

export function registerHistory(program: Command): void {
  program
    .command('history')
    .description('show the trend of past detect runs (orphans, missing, bytes, API calls) per scope')
    .option('--reports-dir <dir>', 'where detect wrote its reports (default: config reportsDir, else ./reports)')
    .option('-c, --config <file>', 'configuration file, read only for reportsDir')
    .option('-n, --limit <n>', 'runs shown per scope, newest last', '10')
    .option('--json', 'print the history entries as a JSON array on stdout')
    .action((flags: HistoryFlags) => {
      process.exitCode = runHistory(flags);
    });
}

function reportsDirOf(flags: HistoryFlags): string {
  if (flags.reportsDir) return path.resolve(flags.reportsDir);
  // the config is optional here: a missing one means the default directory
  const loaded = loadConfig(process.cwd(), flags.config);
  if (flags.config && !loaded.config) throw usageError(loaded.errors.join('\n') || `cannot read ${flags.config}`);
  return path.resolve(loaded.config?.reportsDir ?? 'reports');
}

const signed = (v: number): string => (v > 0 ? `+${v}` : v < 0 ? String(v) : '±0');

function runHistory(flags: HistoryFlags): number {
  const output = createOutput({});
  const limit = parseCount('--limit', flags.limit);
  const dir = reportsDirOf(flags);
  const { entries, skipped, file } = readHistory(dir);
  if (skipped) output.log.warn(`${skipped} unreadable line(s) in ${file} were skipped`);
  if (flags.json) {
    output.emit(JSON.stringify(entries, null, 2) + '\n');
    return ExitCode.Ok;
  }
  const shown = path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
  if (entries.length === 0) {
    output.print([`No runs recorded yet in ${shown}. Each \`asset-audit detect\` appends one line there.`]);
    return ExitCode.Ok;
  }
  const byScope = new Map<string, HistoryEntry[]>();
  for (const e of [...entries].sort((a, b) => a.startedAt.localeCompare(b.startedAt))) {
    const list = byScope.get(e.scopeKey) ?? [];
    list.push(e);
    byScope.set(e.scopeKey, list);
  }
  const lines: string[] = [`History: ${shown} (${entries.length} run(s))`];
  const header = ['started (UTC)', 'complete', 'scanned', 'orphans', 'Δ', 'orphan MB', 'missing', 'Δ', 'active', 'API calls'];
  for (const list of byScope.values()) {
    const first = list[0]!;
    lines.push('', `${first.cloud} — ${first.scope}`);
    const rows: string[][] = [header];
    let prev: HistoryEntry | undefined;
    // Δ compares complete runs only, as --fail-on-increase does: a partial run's counts are no trend
    const deltas = list.map((e) => {
      const d = prev && e.complete ? [signed(e.orphans - prev.orphans), signed(e.missing - prev.missing)] : ['', ''];
      if (e.complete) prev = e;
      return d;
    });
    list.forEach((e, i) => {
      if (i < list.length - limit) return;
      const [dOrphans, dMissing] = deltas[i]!;
      rows.push([e.startedAt.slice(0, 16).replace('T', ' '), e.complete ? 'yes' : 'NO', String(e.assetsScanned), String(e.orphans), dOrphans!, mb(e.orphanBytes).replace(' MB', ''), String(e.missing), dMissing!, String(e.missingActive), String(e.apiCalls)]);
    });
    const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
    for (const r of rows) lines.push('  ' + r.map((cell, c) => (c === 0 || c === 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
    const last = list[list.length - 1]!;
    if (!last.complete) lines.push(`  last run incomplete: ${last.incompleteReason ?? 'stopped early'}`);
  }
  output.print(lines);
  return ExitCode.Ok;
}
