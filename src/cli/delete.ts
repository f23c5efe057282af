/** `asset-audit delete`: deletes orphans from a confirmed report, after re-verifying every one. */
import { oneLine } from '../report/one-line.js';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { ignoreMatcher } from '../audit/classify.js';
import { parseCloudinaryUrl } from '../config/cloudinary-url.js';
import { parseCount } from '../config/scope.js';
import { loadConfirmedReport } from '../delete/candidates.js';
import { executeDeletion, entryFor } from '../delete/execute.js';
import { Journal } from '../delete/journal.js';
import { planDeletion, type DeletePlan } from '../delete/plan.js';
import { isReferenced, readReferences, type ReferenceReading } from '../delete/references.js';
import { trustedTwin } from '../delete/trust.js';
import { parseDatabaseUrl } from '../database/open.js';
import { mb } from '../report/summary.js';
import { asStop } from '../scan/stop.js';
import { CloudinaryStorage } from '../storage/cloudinary/client.js';
import { RateLimitGuard } from '../storage/cloudinary/guard.js';
import { loadConfigOrThrow } from './config.js';
import { AuditError } from '../errors.js';
import { ExitCode, usageError } from './exit.js';
import { createOutput, type Output } from './output.js';
import { interruptible } from './signals.js';
import { asExitError } from './storage-errors.js';

/** How many planned deletions are named one by one. */
const LIST_LIMIT = 50;

interface DeleteFlags {
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
  const credentials = parseCloudinaryUrl(process.env.CLOUDINARY_URL);
  const database = parseDatabaseUrl(process.env.DATABASE_URL);
  const { config } = loadConfigOrThrow(flags.config, log);
  const reportFile = path.resolve(flags.input);
  const report = loadConfirmedReport(reportFile, flags.report ? path.resolve(flags.report) : undefined);
  const journalFile = path.resolve(flags.journal ?? reportFile.replace(/(\.csv)?$/i, '.journal.csv'));

  const twin = trustedTwin(report, credentials.cloudName, config);
  const reading: ReferenceReading = { database, config, cloudName: credentials.cloudName, scanned: twin.references };
  log.info(`Report ${path.relative(process.cwd(), reportFile)}: ${report.candidates.length} orphan(s) listed${report.incomplete ? ' (from an incomplete scan)' : ''}`);

  return interruptible(async (signal) => {
    try {
      return await deleteVerified(signal);
    } catch (err) {
      if (signal.aborted && !(err instanceof AuditError)) {
        log.error(`interrupted (${String(signal.reason)}); every batch sent was journaled in ${path.relative(process.cwd(), journalFile)}. Run the same command again to go on.`);
        return ExitCode.Incomplete;
      }
      throw err;
    }
  });

  async function deleteVerified(signal: AbortSignal): Promise<number> {
    const index = await readReferences(reading, signal, 'Before planning');
    log.info(`Re-read ${index.referenceCount.toLocaleString('en-US')} references from the database`);

    const guard = new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95, onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour`) });
    const storage = await CloudinaryStorage.create({ credentials, guard, retry: { deadlineMs }, onRetry: (m) => log.debug(m) });
    try {
      const journal = Journal.open(journalFile);
      let plan: DeletePlan;
      try {
        plan = await planDeletion({
          candidates: report.candidates,
          index,
          isIgnored: ignoreMatcher(config.ignore),
          journal,
          storage,
          minAgeHours,
          now: new Date(),
          signal,
        });
      } catch (err) {
        const stop = asStop(err, signal);
        if (stop) {
          log.error(`${stop.message}: could not re-verify the candidates; nothing was deleted. Run the same command again later.`);
          return ExitCode.Incomplete;
        }
        throw asExitError(err);
      }
      printPlan(output, plan, flags.confirm === true);
      if (plan.toDelete.length > maxDelete) {
        throw usageError(`${plan.toDelete.length} assets would be deleted, more than --max-delete ${maxDelete}. Review the report, then raise --max-delete if this is intended.`);
      }
      if (!flags.confirm) {
        output.print(['', `Dry run: nothing was deleted. Run again with --confirm to delete ${plan.toDelete.length} asset(s).`]);
        if (flags.json) output.emit(JSON.stringify(planJson(plan, credentials.cloudName, true), null, 2) + '\n');
        return plan.settled.some((s) => s.outcome.startsWith('skipped:')) ? ExitCode.Findings : ExitCode.Ok;
      }
      if (plan.toDelete.length > 0 && process.stdin.isTTY && process.stderr.isTTY && !flags.yes) {
        const rl = createInterface({ input: process.stdin, output: process.stderr });
        const answer = await rl
          .question(`Type the cloud name (${credentials.cloudName}) to delete ${plan.toDelete.length} asset(s): `, { signal })
          .catch(() => undefined)
          .finally(() => rl.close());
        if (answer === undefined) throw usageError('no confirmation given; nothing was deleted');
        if (answer.trim() !== credentials.cloudName) throw usageError('the cloud name did not match; nothing was deleted');
      }

      journal.append(plan.settled.map((s) => entryFor({ ...s.candidate, ...(s.current ?? {}) }, s.outcome)));
      const backupDir = flags.backupDir ? path.resolve(flags.backupDir) : undefined;
      const outcome = await executeDeletion({
        items: plan.toDelete,
        storage,
        journal,
        log,
        signal,
        backup: backupDir ? { dir: backupDir, cloudName: credentials.cloudName, urlOf: (a) => storage.originalUrl(a) } : undefined,
        // one streamed read of every source per batch, right before its DELETE call (not interruptible: the batch in flight finishes)
        referencedNow: async (batch) => {
          const now = await readReferences(reading, undefined, 'Before a delete batch');
          log.debug(`Re-read ${now.referenceCount.toLocaleString('en-US')} references before a delete batch`);
          return new Set(batch.filter((a) => isReferenced(now, a)));
        },
      }).catch((err: unknown) => {
        throw asExitError(err);
      });
      const skipped = plan.settled.filter((s) => s.outcome.startsWith('skipped:')).length + outcome.nowReferenced + outcome.replaced;
      output.print([
        '',
        `Deleted ${outcome.deleted}, already gone ${outcome.notFound + plan.settled.filter((s) => s.outcome === 'not_found').length}, skipped ${skipped}, failed ${outcome.failed}${plan.alreadyDone ? `, done by an earlier run ${plan.alreadyDone}` : ''}.`,
        `Journal: ${path.relative(process.cwd(), journalFile)}`,
        ...(backupDir ? [`Backups: ${backupDir} — to put them back: asset-audit restore --backup-dir ${backupDir} --confirm`] : []),
      ]);
      if (flags.json) output.emit(JSON.stringify({ ...planJson(plan, credentials.cloudName, false), outcome }, null, 2) + '\n');
      if (outcome.stop) {
        log.error(`${outcome.stop.message}. The journal is complete up to here; run the same command again to resume.`);
        return ExitCode.Incomplete;
      }
      return skipped > 0 || outcome.failed > 0 ? ExitCode.Findings : ExitCode.Ok;
    } finally {
      storage.close();
    }
  }
}

function printPlan(output: Output, plan: DeletePlan, confirmed: boolean): void {
  const bytes = plan.toDelete.reduce((n, i) => n + i.current.bytes, 0);
  const lines = ['', `${confirmed ? 'Deleting' : 'Would delete'} ${plan.toDelete.length} asset(s), ${mb(bytes)}:`];
  for (const { current } of plan.toDelete.slice(0, LIST_LIMIT)) lines.push(`  - ${current.resourceType}/${current.type} ${oneLine(current.publicId)} (${mb(current.bytes)})`);
  if (plan.toDelete.length > LIST_LIMIT) lines.push(`  … and ${plan.toDelete.length - LIST_LIMIT} more`);
  const reasons = new Map<string, string[]>();
  for (const s of plan.settled) reasons.set(s.outcome, [...(reasons.get(s.outcome) ?? []), s.candidate.publicId]);
  for (const [reason, ids] of reasons) {
    lines.push(`${describe(reason)}: ${ids.length}`);
    for (const id of ids.slice(0, LIST_LIMIT)) lines.push(`  - ${id}`);
  }
  if (plan.alreadyDone) lines.push(`Finished by an earlier run (journal): ${plan.alreadyDone}`);
  output.print(lines);
}

function describe(outcome: string): string {
  switch (outcome) {
    case 'skipped:referenced':
      return 'Skipped, referenced in the database now';
    case 'skipped:ignored':
      return 'Skipped, matches an ignore glob';
    case 'skipped:replaced_since_scan':
      return 'Skipped, replaced in Cloudinary since the scan (asset_id, size or upload time differ)';
    case 'skipped:too_recent':
      return 'Skipped, uploaded less than --min-age hours ago';
    case 'not_found':
      return 'Already gone from Cloudinary';
    default:
      return outcome;
  }
}

function planJson(plan: DeletePlan, cloudName: string, dryRun: boolean) {
  return {
    format: 'asset-audit/delete',
    cloudName,
    dryRun,
    toDelete: plan.toDelete.map(({ current }) => ({ publicId: current.publicId, resourceType: current.resourceType, type: current.type, bytes: current.bytes, assetId: current.assetId })),
    settled: plan.settled.map((s) => ({ publicId: s.candidate.publicId, resourceType: s.candidate.resourceType, type: s.candidate.type, outcome: s.outcome })),
    alreadyDone: plan.alreadyDone,
  };
}
