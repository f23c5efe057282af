/**
 * The steps after a detect report is safely on disk: the history row, the growth check
 * (--fail-on-increase), the email and the webhook, and the exit code they lead to. Nothing here
 * can lose the report: each failure is logged and only changes the exit code where a flag says so.
 */
import type { DetectResult } from '../audit/result.js';
import { ExitCode } from './exit.js';
import { appendHistory, historyEntry, increases, previousComplete, readHistory } from '../history/history.js';
import type { Logger } from '../log.js';
import { scopeText } from '../report/summary.js';
import { deliver, type NotifyPlan } from '../notify/plan.js';

export interface AfterReportInput {
  result: DetectResult;
  csvPath: string;
  shownPath: string;
  reportsDir: string;
  plan: NotifyPlan;
  /** Exit code from the findings alone (--fail-on). */
  exitCode: number;
  failOnIncrease?: number;
  /** false for the demo, whose runs are not the account's history. */
  history?: boolean;
  log: Logger;
}

export async function afterReport(input: AfterReportInput): Promise<number> {
  const { result: r, log } = input;
  let code = input.exitCode;
  const notes: string[] = [];

  if (input.history !== false) {
    const entry = historyEntry(r, input.shownPath, scopeText(r));
    let prev;
    try {
      const { entries, skipped } = readHistory(input.reportsDir);
      if (skipped) log.warn(`${skipped} unreadable line(s) in the history file were skipped`);
      prev = previousComplete(entries, entry.scopeKey, entry.startedAt);
    } catch (err) {
      log.warn(`could not read the run history: ${(err as Error).message}`);
    }
    if (prev && !r.complete) {
      // a partial run's counts are not a trend: "missing 138 → 0" would only say it stopped early
      log.info(`This run is partial (${entry.incompleteReason}): its counts are not compared with the last complete run of this scope (${prev.startedAt}).`);
    } else if (prev) {
      const d = (a: number, b: number) => `${a - b >= 0 ? '+' : ''}${a - b}`;
      log.info(`Since the last complete run of this scope (${prev.startedAt}): orphans ${prev.orphans} → ${entry.orphans} (${d(entry.orphans, prev.orphans)}), missing ${prev.missing} → ${entry.missing} (${d(entry.missing, prev.missing)})`);
    }
    if (input.failOnIncrease !== undefined && r.complete) {
      if (!prev) {
        log.info('--fail-on-increase: no earlier complete run of this scope in the history; nothing to compare with');
      } else {
        for (const inc of increases(prev, entry, input.failOnIncrease)) {
          notes.push(`${inc.what} grew by ${inc.by} (${inc.from} → ${inc.to}) since the run of ${prev.startedAt}, more than --fail-on-increase ${input.failOnIncrease}`);
        }
        for (const note of notes) log.warn(note);
        if (notes.length && code === ExitCode.Ok) code = ExitCode.Findings;
      }
    }
    try {
      appendHistory(input.reportsDir, entry);
    } catch (err) {
      log.warn(`could not append to the run history in ${input.reportsDir}: ${(err as Error).message}`);
    }
  }

  const sent = await deliver(input.plan, r, { csvPath: input.csvPath, shownPath: input.shownPath, exitCode: code, notes }, log);
  if (sent.emailFailed && input.plan.email?.required && (code === ExitCode.Ok || code === ExitCode.Findings)) {
    log.error('--email-required: the email could not be sent, so the exit code is 3');
    code = ExitCode.Runtime;
  }
  return code;
}
