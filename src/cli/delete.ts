/** `asset-audit delete`: deletes orphans from a confirmed report, after re-verifying every one. */
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { parseCount } from '../config/scope.js';
import { parseDatabaseUrl } from '../database/open.js';
import { runDeletion, type DeletionResult } from '../delete/run.js';
import { deletionJson, outcomeLines, planLines } from '../report/deletion.js';
import { parseStorage } from '../storage/open.js';
import { loadConfigOrThrow } from './config.js';
import { ExitCode, usageError } from './exit.js';
import { createOutput, type Output } from './output.js';
import { interruptible } from './signals.js';
import { asExitError } from './storage-errors.js';

interface DeleteFlags {
  storage?: string;
  input: string;
  report?: string;
  confirm?: boolean;
  yes?: boolean;
  minAge: string;
  maxDelete: string;
  timeout: string;
  backupDir?: string;
  journal?: string;
  config?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerDelete(program: Command): void {
  program
    .command('delete')
    .description('delete the orphans listed in a reviewed detect report (dry run unless --confirm)')
    .requiredOption('-i, --input <report.csv>', 'the CSV written by detect, with the rows to keep removed')
    .option('--report <twin.json>', 'the JSON report detect wrote with the original CSV (default: beside --input; for NAME.confirmed.csv exported by the review page, NAME.json)')
    .option('--confirm', 'really delete (without it: a dry run that deletes nothing)')
    .option('--yes', 'on a terminal, do not ask to type the cloud name')
    .option('--min-age <hours>', 'skip assets uploaded less than this many hours ago', '24')
    .option('--max-delete <n>', 'refuse when more than this many would be deleted', '1000')
    .option('--backup-dir <dir>', 'download each original here before deleting it (restore with `asset-audit restore`)')
    .option('--journal <file>', 'journal of outcomes (default: next to the report, .journal.csv); re-running resumes from it')
    .option('-c, --config <file>', 'configuration file (the same one detect used)')
    .option('--storage <url>', 'the store to delete from (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('--timeout <seconds>', 'give up on one Admin API call after this long (it is then retried)', '60')
    .option('--json', 'print the plan and outcome as JSON on stdout')
    .option('-q, --quiet', 'only warnings, errors and totals')
    .option('-v, --verbose', 'more detail')
    .action(async (flags: DeleteFlags) => {
      process.exitCode = await runDelete(flags);
    });
}

async function runDelete(flags: DeleteFlags): Promise<number> {
  const output = createOutput({ quiet: flags.quiet, verbose: flags.verbose });
  const { log } = output;
  const minAgeHours = parseCount('--min-age', flags.minAge, { min: 0 });
  const maxDelete = parseCount('--max-delete', flags.maxDelete, { min: 0 });
  const deadlineMs = parseCount('--timeout', flags.timeout) * 1000;
  const { config } = loadConfigOrThrow(flags.config, log);
  const target = parseStorage(config, process.env, { storage: flags.storage });
  const database = parseDatabaseUrl(process.env.DATABASE_URL);
  const confirmed = flags.confirm === true;

  const storage = await target.open({ warnAt: 0.8, stopAt: 0.95, deadlineMs, onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour`), onRetry: (m) => log.debug(m), onNotice: (m) => log.warn(m) });
  let refusedBy: string | undefined;
  let result: DeletionResult;
  try {
    result = await interruptible((signal) =>
      runDeletion({
        reportFile: flags.input,
        twinFile: flags.report,
        journalFile: flags.journal,
        config,
        database,
        storage,
        minAgeHours,
        maxDelete,
        execute: confirmed,
        backupDir: flags.backupDir,
        log,
        signal,
        hooks: {
          onPlan: (plan) => output.print(planLines(plan, confirmed)),
          // a person at a terminal types the cloud name; --yes and scripts (no TTY) are not asked
          confirm:
            process.stdin.isTTY && process.stderr.isTTY && !flags.yes
              ? async (plan, signal) => {
                  refusedBy = await askCloudName(target.account, plan.toDelete.length, signal);
                  return refusedBy === undefined;
                }
              : undefined,
        },
      }),
    );
  } catch (err) {
    throw asExitError(err);
  } finally {
    storage.close();
  }
  return finish(result, output, flags, refusedBy);
}

/** undefined when the typed name matches; otherwise why nothing will be deleted. */
async function askCloudName(cloudName: string, count: number, signal: AbortSignal | undefined): Promise<string | undefined> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl
    .question(`Type the cloud name (${cloudName}) to delete ${count} asset(s): `, { signal })
    .catch(() => undefined)
    .finally(() => rl.close());
  if (answer === undefined) return 'no confirmation given; nothing was deleted';
  return answer.trim() === cloudName ? undefined : 'the cloud name did not match; nothing was deleted';
}

function finish(result: DeletionResult, output: Output, flags: DeleteFlags, refusedBy: string | undefined): number {
  const { log } = output;
  const journal = path.relative(process.cwd(), result.journalFile);
  switch (result.status) {
    case 'interrupted':
      log.error(`interrupted (${result.reason}); every batch sent was journaled in ${journal}. Run the same command again to go on.`);
      return ExitCode.Incomplete;
    case 'unverified':
      log.error(`${result.stop.message}: could not re-verify the candidates; nothing was deleted. Run the same command again later.`);
      return ExitCode.Incomplete;
    case 'over_limit':
      throw usageError(`${result.plan.toDelete.length} assets would be deleted, more than --max-delete ${result.limit}. Review the report, then raise --max-delete if this is intended.`);
    case 'vetoed':
      throw usageError(refusedBy ?? 'no confirmation given; nothing was deleted');
    case 'dry_run':
      output.print(outcomeLines(result));
      if (flags.json) output.emit(deletionJson(result));
      return result.plan.settled.some((s) => s.outcome.startsWith('skipped:')) ? ExitCode.Findings : ExitCode.Ok;
    case 'executed':
      output.print(outcomeLines(result));
      if (flags.json) output.emit(deletionJson(result));
      if (result.outcome.stop) {
        log.error(`${result.outcome.stop.message}. The journal is complete up to here; run the same command again to resume.`);
        return ExitCode.Incomplete;
      }
      return result.totals.skipped > 0 || result.totals.failed > 0 ? ExitCode.Findings : ExitCode.Ok;
  }
}
