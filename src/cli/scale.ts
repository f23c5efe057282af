/**
 * detect's scale flags (--plan, --resume, --on-budget, --wait-for-reset, --windows, --verify): parsing,
 * the checkpoint file's place, and what the CLI does with a plan. Kept apart from detect.ts so
 * that file stays a thin sequence of steps.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { DetectResult, Scope } from '../audit/result.js';
import type { FileConfig } from '../config/schema.js';
import { parseCount, type ScopeFlags } from '../config/scope.js';
import { reportBaseName } from '../report/write.js';
import { CheckpointError, loadCheckpoint, resumeConflict, saveCheckpoint, type Checkpoint } from '../scan/checkpoint.js';
import type { DetectInput } from '../scan/detect.js';
import { planLines } from '../scan/plan.js';
import { VERIFY_MODES, type VerifyMode } from '../scan/verify.js';
import type { Logger } from '../log.js';
import { ExitCode, usageError } from './exit.js';
import { DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../storage/limiter.js';

export interface ScaleFlags {
  plan?: boolean;
  resume?: string;
  onBudget: string;
  waitForReset?: boolean;
  windows?: string;
  verify?: string;
  concurrency?: string;
}

const ON_BUDGET = ['stop', 'checkpoint'] as const;
/** More windows than this buys nothing: chains beyond the concurrency just queue. */
export const MAX_WINDOWS = MAX_CONCURRENCY;

export function addScaleOptions(cmd: Command): Command {
  return cmd
    .option('--plan', 'estimate the Admin API calls the scan needs against the budget left, print it, and exit (no listing)')
    .option('--resume <file>', 'continue a scan stopped by the rate limit or a signal from its checkpoint (…_incomplete.checkpoint.json)')
    .option('--on-budget <what>', 'when the estimate does not fit the budget left: checkpoint (scan what fits, then stop with a checkpoint) or stop (do not start; exit 4)', 'checkpoint')
    .option('--wait-for-reset', 'when the hourly budget runs out and its reset is within the hour, sleep until the reset and carry on')
    .option('--verify <how>', 'how references the listing did not find are checked: lookup (Admin API, 100 ids a call; default), head (HTTP HEAD on delivery URLs, no Admin API budget) or auto (head where the budget left does not cover the lookups)')
    .option('--windows <n>', 'auto (default): split long listing chains into upload-time windows listed in parallel when the budget left covers it comfortably; N: split each chain of more than N pages into N windows; 1: never split')
    .option('--concurrency <n>', `Admin API calls in flight at most (default ${DEFAULT_CONCURRENCY}); lowered by itself while the store throttles, fails or slows down`);
}

/** --concurrency, checked; undefined leaves the default. */
export function concurrencyOf(flags: ScaleFlags): number | undefined {
  if (flags.concurrency === undefined) return undefined;
  const n = parseCount('--concurrency', flags.concurrency);
  if (n > MAX_CONCURRENCY) throw usageError(`--concurrency must be at most ${MAX_CONCURRENCY} (got ${n})`);
  return n;
}

/** The options detect() takes from these flags; throws a usage error naming the flag. */
export function scaleInput(flags: ScaleFlags & ScopeFlags, given: Scope, cloudName: string, config: FileConfig, reportsDir: string, stopAt: number): Partial<DetectInput> {
  if (!ON_BUDGET.includes(flags.onBudget as (typeof ON_BUDGET)[number])) throw usageError(`--on-budget: use stop or checkpoint (got "${flags.onBudget}")`);
  const windows = flags.windows === undefined || flags.windows === 'auto' ? 'auto' : parseCount('--windows', flags.windows);
  if (windows !== 'auto' && windows > MAX_WINDOWS) throw usageError(`--windows must be at most ${MAX_WINDOWS} (got ${windows})`);
  if (flags.verify !== undefined && !VERIFY_MODES.includes(flags.verify as VerifyMode)) throw usageError(`--verify: use one of ${VERIFY_MODES.join(', ')} (got "${flags.verify}")`);
  let resume: Checkpoint | undefined;
  if (flags.resume) {
    if (flags.plan) throw usageError('--plan estimates a new scan; a resumed scan has its plan already: drop --plan, or drop --resume');
    try {
      resume = loadCheckpoint(path.resolve(flags.resume));
    } catch (err) {
      if (err instanceof CheckpointError) throw usageError(`--resume: ${err.message}`);
      throw err;
    }
    const conflict = resumeConflict(resume, cloudName, config);
    if (conflict) throw usageError(`--resume: ${conflict}`);
    const differences = resumeFlagDifferences(flags, given, windows, resume);
    if (differences.length) {
      throw usageError(`--resume continues the checkpoint's scan with the scope it started with, and these flags differ from it: ${differences.join('; ')}. Drop them (or make them match), or start a new scan without --resume.`);
    }
  }
  const file = (cp: Checkpoint) => (flags.resume ? path.resolve(flags.resume) : path.join(reportsDir, `${reportBaseName(new Date(cp.startedAt), false)}.checkpoint.json`));
  return {
    windows,
    concurrency: concurrencyOf(flags),
    verify: flags.verify as VerifyMode | undefined,
    resume,
    stopAt,
    waitForReset: flags.waitForReset,
    plan: flags.plan ? 'only' : (flags.onBudget as 'stop' | 'checkpoint'),
    saveCheckpoint: (cp) => {
      const target = file(cp);
      saveCheckpoint(target, cp);
      return target;
    },
  };
}

/**
 * The scope flags given with --resume (`given`: the scope they make) that say something else than the checkpoint's scan. A
 * scheduler appends --resume to its usual command line, so flags that match are fine, and a flag
 * left out means "as the checkpoint says".
 */
export function resumeFlagDifferences(flags: ScaleFlags & ScopeFlags, given: Scope, windows: number | 'auto', cp: Checkpoint): string[] {
  const was = cp.scope;
  const out: string[] = [];
  const list = (items: readonly string[]) => [...items].sort().join(',');
  const daysText = (days: number | null) => (days === null ? '--all' : `--days ${days}`);
  if ((flags.all || flags.days !== undefined) && given.days !== was.days) out.push(`${daysText(given.days)} (the checkpoint has ${daysText(was.days)})`);
  if (flags.prefix !== undefined && given.prefix !== was.prefix) {
    out.push(`--prefix ${JSON.stringify(flags.prefix)} (the checkpoint has ${was.prefix === null ? 'no prefix' : `--prefix ${JSON.stringify(was.prefix)}`})`);
  }
  if (flags.resourceType !== undefined && list(given.resourceTypes) !== list(was.resourceTypes)) {
    out.push(`--resource-type ${list(given.resourceTypes)} (the checkpoint has ${list(was.resourceTypes)})`);
  }
  if (flags.type !== undefined && list(given.types) !== list(was.types)) out.push(`--type ${list(given.types)} (the checkpoint has ${list(was.types)})`);
  const checks = (orphans: boolean, missing: boolean) => (orphans && missing ? 'both checks' : orphans ? '--orphans-only' : '--missing-only');
  if ((flags.orphansOnly || flags.missingOnly) && (given.orphans !== was.orphans || given.missing !== was.missing)) {
    out.push(`${checks(given.orphans, given.missing)} (the checkpoint has ${checks(was.orphans, was.missing)})`);
  }
  if (flags.windows !== undefined && windows !== cp.options.windows) out.push(`--windows ${windows} (the checkpoint has --windows ${cp.options.windows})`);
  return out;
}

/**
 * For --plan and a refused start, the exit code (no report is written); otherwise undefined and
 * the scan's report follows. A resumed scan that completed has used its checkpoint up.
 */
/** Once the report of a completed resumed scan is on disk (not before), its checkpoint is spent. */
export function retireCheckpoint(result: DetectResult, flags: ScaleFlags, log: Logger): void {
  if (!result.complete || !flags.resume) return;
  rmSync(path.resolve(flags.resume), { force: true });
  log.info(`The scan is complete; its checkpoint ${flags.resume} was used up and removed.`);
}

export function afterScan(result: DetectResult, flags: ScaleFlags, print: (lines: string[]) => void, log: Logger): number | undefined {
  if (flags.plan && result.plan) {
    print(planLines(result.plan));
    return ExitCode.Ok;
  }
  if (result.plan?.refused) {
    print(planLines(result.plan));
    log.error(`not started: ${result.plan.refused}. Use --on-budget checkpoint to scan what fits and --resume after the reset, or --wait-for-reset.`);
    return ExitCode.Incomplete;
  }
  if (result.checkpoint) {
    const shown = path.relative(process.cwd(), result.checkpoint).startsWith('..') ? result.checkpoint : path.relative(process.cwd(), result.checkpoint);
    // a HEAD that settled nothing (--verify head/auto) needs no reset: only another try
    const when = /by HEAD settled nothing/.test(result.incompleteReason ?? '') ? 'check what is left' : `continue after the reset${result.api.resetAt ? ` (${result.api.resetAt})` : ''}`;
    log.warn(`checkpoint written: ${when} with: asset-audit detect --resume ${shown}`);
  }
  return undefined;
}
