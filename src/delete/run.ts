/**
 * The delete core: from a reviewed report to deletions, with every check on the way. The report
 * must be trusted (its cloud, its JSON twin, the same configuration); the references are read
 * again and must not have collapsed; every candidate is looked up again; the plan is offered to the
 * caller's veto; then each batch is checked once more right before its DELETE call. It returns
 * what happened as data: printing and exit codes belong to the caller.
 */
import path from 'node:path';
import { ignoreMatcher } from '../audit/classify.js';
import type { FileConfig } from '../config/schema.js';
import type { DatabaseTarget } from '../database/types.js';
import { AuditError } from '../errors.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from '../scan/stop.js';
import { StorageError } from '../storage/errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { loadConfirmedReport, type ConfirmedReport } from './candidates.js';
import { entryFor, executeDeletion, type ExecuteOutcome } from './execute.js';
import { Journal } from './journal.js';
import { planDeletion, type DeletePlan } from './plan.js';
import { isReferenced, readReferences, type ReferenceReading } from './references.js';
import { trustedTwin } from './trust.js';

export interface DeletionHooks {
  /** Told the plan once it is made, before the limit is applied and before the veto. */
  onPlan?(plan: DeletePlan): void;
  /**
   * The veto, asked once before the first deletion and only when there is something to delete:
   * false deletes nothing (the CLI's typed cloud name; absent means yes, as with --yes).
   */
  confirm?(plan: DeletePlan, signal: AbortSignal | undefined): Promise<boolean>;
}

export interface DeletionInput {
  /** The reviewed CSV detect wrote (rows may be removed, never added). */
  reportFile: string;
  /** Its JSON twin, when it is not beside the CSV (see twinOf). */
  twinFile?: string;
  /** Outcomes journal (default: beside the report, `.journal.csv`); a re-run resumes from it. */
  journalFile?: string;
  config: FileConfig;
  /** Opened afresh for every read: each read is its own up-to-date snapshot. */
  database: DatabaseTarget;
  storage: StorageBackend;
  /** Candidates uploaded more recently than this are skipped. */
  minAgeHours: number;
  /** More planned deletions than this refuse the whole run. */
  maxDelete: number;
  /** false: plan only (a dry run). */
  execute: boolean;
  /** Download each original here before deleting it. */
  backupDir?: string;
  log: Logger;
  signal?: AbortSignal;
  now?: () => Date;
  hooks?: DeletionHooks;
}

interface Common {
  cloudName: string;
  journalFile: string;
  /** Where backups went (absolute), when asked for. */
  backupDir?: string;
}

/** How a run ended. Only `executed` deleted anything; its `outcome.stop` says it stopped early. */
export type DeletionStatus =
  /** A signal arrived while reading or planning: nothing was deleted or journaled. */
  | { status: 'interrupted'; reason: string }
  /** The candidates could not be looked up again (budget or signal); nothing was deleted. */
  | { status: 'unverified'; stop: Stop }
  /** More would be deleted than maxDelete allows; nothing was deleted. */
  | { status: 'over_limit'; plan: DeletePlan; limit: number }
  | { status: 'dry_run'; plan: DeletePlan }
  /** The confirm hook said no; nothing was deleted. */
  | { status: 'vetoed'; plan: DeletePlan }
  | { status: 'executed'; plan: DeletePlan; outcome: ExecuteOutcome; totals: DeletionTotals };

export type DeletionResult = Common & DeletionStatus;

export interface DeletionTotals {
  deleted: number;
  /** Gone before the plan or before the DELETE call. */
  alreadyGone: number;
  /** Skipped by the plan or held back by a last check. */
  skipped: number;
  failed: number;
  /** Finished by an earlier run (journal). */
  alreadyDone: number;
}

export const journalOf = (reportFile: string): string => reportFile.replace(/(\.csv)?$/i, '.journal.csv');

export async function runDeletion(input: DeletionInput): Promise<DeletionResult> {
  const { log, signal, config } = input;
  const cloudName = input.storage.account;
  const reportFile = path.resolve(input.reportFile);
  const journalFile = path.resolve(input.journalFile ?? journalOf(reportFile));
  const report = loadConfirmedReport(reportFile, input.twinFile ? path.resolve(input.twinFile) : undefined);
  const twin = trustedTwin(report, cloudName, config);
  const reading: ReferenceReading = { database: input.database, config, grammar: input.storage.grammar, partitions: input.storage.partitions, scanned: twin.references };
  log.info(`Report ${path.relative(process.cwd(), reportFile)}: ${report.candidates.length} orphan(s) listed${report.incomplete ? ' (from an incomplete scan)' : ''}`);
  const backupDir = input.backupDir ? path.resolve(input.backupDir) : undefined;
  const common: Common = { cloudName, journalFile, ...(backupDir ? { backupDir } : {}) };
  try {
    return { ...common, ...(await deleteVerified(input, report, reading, journalFile, cloudName)) };
  } catch (err) {
    // a failure the caller must see as such stays one; anything else after a signal is the signal
    if (signal?.aborted && !(err instanceof AuditError) && !(err instanceof StorageError)) {
      return { ...common, status: 'interrupted', reason: String(signal.reason) };
    }
    throw err;
  }
}

async function deleteVerified(input: DeletionInput, report: ConfirmedReport, reading: ReferenceReading, journalFile: string, cloudName: string): Promise<DeletionStatus> {
  const { log, signal, storage } = input;
  const index = await readReferences(reading, signal, 'Before planning');
  log.info(`Re-read ${index.referenceCount.toLocaleString('en-US')} references from the database`);

  const journal = Journal.open(journalFile);
  let plan: DeletePlan;
  try {
    plan = await planDeletion({
      candidates: report.candidates,
      index,
      isIgnored: ignoreMatcher(input.config.ignore),
      journal,
      storage,
      minAgeHours: input.minAgeHours,
      now: (input.now ?? (() => new Date()))(),
      signal,
    });
  } catch (err) {
    const stop = asStop(err, signal);
    if (stop) return { status: 'unverified', stop };
    throw err;
  }
  input.hooks?.onPlan?.(plan);
  if (plan.toDelete.length > input.maxDelete) return { status: 'over_limit', plan, limit: input.maxDelete };
  if (!input.execute) return { status: 'dry_run', plan };
  if (plan.toDelete.length > 0 && input.hooks?.confirm && !(await input.hooks.confirm(plan, signal))) return { status: 'vetoed', plan };

  journal.append(plan.settled.map((s) => entryFor({ ...s.candidate, ...(s.current ?? {}) }, s.outcome)));
  const backupDir = input.backupDir ? path.resolve(input.backupDir) : undefined;
  const outcome = await executeDeletion({
    items: plan.toDelete,
    storage,
    journal,
    log,
    signal,
    backup: backupDir ? { dir: backupDir, cloudName, urlOf: (a) => storage.downloadUrl(a) } : undefined,
    // one streamed read of every source per batch, right before its DELETE call (not interruptible: the batch in flight finishes)
    referencedNow: async (batch) => {
      const now = await readReferences(reading, undefined, 'Before a delete batch');
      log.debug(`Re-read ${now.referenceCount.toLocaleString('en-US')} references before a delete batch`);
      return new Set(batch.filter((a) => isReferenced(now, a)));
    },
  });
  const settledAs = (what: (outcome: string) => boolean) => plan.settled.filter((s) => what(s.outcome)).length;
  const totals: DeletionTotals = {
    deleted: outcome.deleted,
    alreadyGone: outcome.notFound + settledAs((o) => o === 'not_found'),
    skipped: settledAs((o) => o.startsWith('skipped:')) + outcome.nowReferenced + outcome.replaced,
    failed: outcome.failed,
    alreadyDone: plan.alreadyDone,
  };
  return { status: 'executed', plan, outcome, totals };
}
