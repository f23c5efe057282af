/**
 * The detect pipeline: references first (so no asset is judged before every use is known), a plan
 * of the calls it will take, then the listing, then lookups for what the listing could not settle,
 * then one result. A scan stopped by the budget or a signal leaves a checkpoint to resume from.
 */
import type { FileConfig } from '../config/schema.js';
import { ExistenceLedger, ignoreMatcher, scopeMask, slotsInScope } from '../audit/classify.js';
import { ALL_PARTITIONS_MASK, maskLabel, partitionBit, typesOfMask } from '../audit/keys.js';
import { ReferenceIndex } from '../audit/reference-index.js';
import type { DetectResult, MissingRow, OrphanRow, Scope } from '../audit/result.js';
import { collectReferences } from '../references/collect.js';
import type { DatabaseTarget } from '../database/types.js';
import type { AccountUsage, StoredAsset } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { Logger } from '../log.js';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, configDigest, type Checkpoint } from './checkpoint.js';
import { baseTargets, chainStatuses, listChains, newChain, planChains, type Chain } from './list.js';
import { estimate, planLines, type ScanPlan } from './plan.js';
import { PendingAssets } from './pending.js';
import { RowSpool } from './spool.js';
import { asStop, type Stop } from './stop.js';
import { confirmMissing, type VerifyMode } from './verify.js';
import { BudgetWaiter } from './wait.js';

export interface DetectInput {
  config: FileConfig;
  scope: Scope;
  storage: StorageBackend;
  database: DatabaseTarget;
  log: Logger;
  signal?: AbortSignal;
  version: string;
  now?: () => Date;
  /** Created_at windows per large chain, through the Search API (1: no splitting). */
  windows?: number;
  /** How references the listing did not settle are checked (default: the checkpoint's, else lookup). */
  verify?: VerifyMode;
  /** Continue this checkpoint instead of starting afresh (its scope and options win). */
  resume?: Checkpoint;
  /** 'only' (--plan): plan and return; 'stop' (--on-budget stop): refuse a scan that does not fit. */
  plan?: 'only' | 'stop' | 'checkpoint';
  /** Told the estimate once there is one (the live progress line shows an ETA from it). */
  onPlan?: (plan: ScanPlan) => void;
  /** The guard's stop threshold (fraction), to know how much budget is usable. */
  stopAt?: number;
  waitForReset?: boolean;
  /** Persists the checkpoint of a stopped scan; returns where it went. */
  saveCheckpoint?: (checkpoint: Checkpoint) => string;
}

export async function detect(input: DetectInput): Promise<DetectResult> {
  const spool = new RowSpool();
  const pending = new PendingAssets();
  try {
    return await run(input, spool, pending);
  } finally {
    pending.dispose();
    spool.dispose();
  }
}

async function run(input: DetectInput, spool: RowSpool, pending: PendingAssets): Promise<DetectResult> {
  const { config, storage, log, resume } = input;
  const scope = resume?.scope ?? input.scope;
  const windows = resume?.options.windows ?? input.windows ?? 1;
  const verify: VerifyMode = input.verify ?? resume?.options.verify ?? 'lookup';
  const now = input.now ?? (() => new Date());
  const started = now();
  const warnings: string[] = [];
  const waiter = input.waitForReset ? new BudgetWaiter({ log, signal: input.signal }) : undefined;
  const index = new ReferenceIndex(spool);
  const ledger = new ExistenceLedger(index);
  const mask = scopeMask(scope);
  const idOf = (slot: number) => index.publicIdOf(slot);
  const since = scope.since ? new Date(scope.since) : undefined;
  const isIgnored = ignoreMatcher(config.ignore);
  const orphans: OrphanRow[] = [];
  const counters = { listed: 0, valid: 0, ignored: 0, orphanBytes: 0, ...resume?.counters };
  let stop: Stop | undefined;
  let lookups = 0;
  let heads = 0;
  const targets = baseTargets(scope.resourceTypes, scope.types);
  let chains: Chain[] = resume?.chains ?? (scope.orphans ? targets.map((t) => newChain(t)) : []);
  let plan: ScanPlan | undefined;
  let usage: AccountUsage | undefined;
  let planCalls = 0;

  /**
   * The listing starts while the references are still being read, unless the plan must be judged
   * before any listing call (--plan, --on-budget stop). Either way no asset is judged before the
   * last reference is in: until then listed assets are only held (see PendingAssets).
   */
  const overlap = scope.orphans && input.plan !== 'only' && input.plan !== 'stop';
  /** Stops the other half of the overlap when one half fails. */
  const halt = new AbortController();
  const listSignal = input.signal ? AbortSignal.any([input.signal, halt.signal]) : halt.signal;
  let referencesComplete = false;
  let listing: Promise<void> | undefined;
  let planning: Promise<void> | undefined;

  // 1. every reference, from one read-only snapshot
  const reading = readReferences().catch((err: unknown) => {
    halt.abort(err);
    throw err;
  });
  reading.catch(() => undefined); // awaited below; meanwhile a failure must not go unhandled
  if (overlap) {
    if (!resume) {
      // window probes must place the chains before they start; the usage report alone can run alongside
      if (windows > 1 && !scope.prefix && storage.searchPage) await planCallsOnce(true);
      else planning = planCallsOnce(false);
    }
    listing = stop ? undefined : list();
    // both halves settle before either's failure is rethrown: nothing may run on after an error
    const [refs, listed] = await Promise.allSettled([
      reading,
      (listing ?? Promise.resolve()).catch((err: unknown) => {
        halt.abort(err);
        throw err;
      }),
    ]);
    if (refs.status === 'rejected') throw refs.reason;
    if (listed.status === 'rejected') throw listed.reason;
  } else {
    await reading;
  }

  async function readReferences(): Promise<void> {
    log.info(`Reading references from ${config.references.length} source(s) in ${input.database.label}…`);
    const reader = await input.database.open({ statementTimeoutSeconds: config.database.statementTimeoutSeconds });
    const t0 = Date.now();
    try {
      await collectReferences(reader, index, {
        sources: config.references,
        grammar: storage.grammar,
        signal: overlap ? listSignal : input.signal,
        onProgress: (source, rows) => log.progress(`read ${rows.toLocaleString('en-US')} rows from "${source}"`),
      });
    } finally {
      await reader.close();
    }
    const seconds = (Date.now() - t0) / 1000;
    for (const s of index.sources) {
      log.info(`  ${s.name}: ${s.rows.toLocaleString('en-US')} rows, ${s.references.toLocaleString('en-US')} references${s.foreign ? `, ${s.foreign} foreign` : ''}${s.invalid ? `, ${s.invalid} unparsable` : ''}`);
      if (s.rows === 0) warnings.push(`reference source "${s.name}" returned no rows`);
    }
    log.info(`  ${index.referenceCount.toLocaleString('en-US')} references to ${index.distinctCount.toLocaleString('en-US')} distinct assets (${seconds.toFixed(1)} s, ${Math.round(index.referenceCount / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s)`);
    if (index.referenceCount === 0) {
      warnings.push('the reference sources returned no references at all: every listed asset will look orphaned. Check DATABASE_URL and the queries.');
    }
    if (overlap) await judgeHeld();
  }

  /** The references are complete: judge what a resumed scan carried and what the listing held. */
  async function judgeHeld(): Promise<void> {
    referencesComplete = true;
    // the ledger is kept by public_id: it can only be mapped onto the index once every id is in it
    if (resume) ledger.importState(resume.ledger);
    if (overlap && !resume) {
      await planning;
      makePlan();
    }
    for (const o of resume?.orphans ?? []) {
      // references are read afresh on resume: an asset referenced since is no orphan
      const slot = index.slotOf(o.publicId);
      if (slot !== undefined) ledger.markSeenSlot(slot, partitionBit(o));
      if (index.isProtected(o)) {
        counters.valid++;
        counters.orphanBytes -= o.bytes;
      } else orphans.push(o);
    }
    if (pending.count) log.debug(`judging ${pending.count.toLocaleString('en-US')} asset(s) listed while the references were read`);
    await pending.drain(judge);
  }

  /** The calls the plan needs (the usage report, window probes); they need no reference. */
  async function planCallsOnce(probe: boolean): Promise<void> {
    const callsBefore = storage.calls;
    // the plan is advice: a usage report or a window probe that fails leaves the scan as it would be without it
    usage = await storage.accountUsage?.().catch((err: unknown) => {
      stop ??= asStop(err, input.signal);
      if (!stop) log.debug(`no usage report for the plan: ${(err as Error).message}`);
      return undefined;
    });
    planCalls = storage.accountUsage ? 1 : 0;
    if (probe && scope.orphans && !stop) {
      chains = await planChains(storage, targets, { windows, since, prefix: scope.prefix ?? undefined, now: started }).catch((err: unknown) => {
        stop ??= asStop(err, input.signal);
        if (!stop) log.warn(`could not split the listing into upload-time windows (${(err as Error).message}); listing each chain whole`);
        return targets.map((t) => newChain(t));
      });
      planCalls = storage.calls - callsBefore;
    }
  }

  /** The estimate, once the references say how many lookups there may be. */
  function makePlan(): ScanPlan {
    let toCheck = 0;
    if (scope.missing) index.forEachRequirement((_, c) => void (slotsInScope(c, scope, mask, idOf) && toCheck++));
    plan = estimate({
      assets: usage?.resources,
      chains: chains.length,
      listing: scope.orphans,
      exhaustive: scope.orphans && !since && mask === ALL_PARTITIONS_MASK && chains.every((c) => !c.window),
      referencesToCheck: scope.missing ? toCheck : 0,
      partitionsPerReference: storage.partitions.length,
      limits: storage.limits,
      planCalls,
      budget: storage.budget,
      stopAt: input.stopAt ?? 0.95,
      verify,
    });
    const lines = planLines(plan);
    if (plan.fits === false) lines.forEach((l) => log.warn(l));
    else log.debug(lines.join('\n'));
    input.onPlan?.(plan);
    return plan;
  }

  function judge(asset: StoredAsset): void {
    const slot = index.slotOf(asset.publicId);
    // seen wherever its id is referenced, for the missing check; kept only where a reading names it
    if (slot !== undefined) ledger.markSeenSlot(slot, partitionBit(asset));
    if (index.isProtected(asset)) {
      counters.valid++;
    } else if (isIgnored(asset.publicId)) {
      counters.ignored++;
    } else {
      orphans.push({
        publicId: asset.publicId,
        resourceType: asset.resourceType,
        type: asset.type,
        bytes: asset.bytes,
        format: asset.format ?? '',
        uploadedAt: asset.createdAt,
        assetId: asset.assetId ?? '',
        url: asset.secureUrl ?? '',
      });
      counters.orphanBytes += asset.bytes;
    }
  }

  async function list(): Promise<void> {
    const pendingChains = chains.filter((c) => !c.complete).length;
    log.info(`${resume ? 'Resuming' : 'Listing'} ${pendingChains} Cloudinary listing chain(s)${since ? ` for assets uploaded since ${scope.since}` : ''}${scope.prefix ? ` under "${scope.prefix}"` : ''}…`);
    const outcome = await listChains(storage, chains, { prefix: scope.prefix ?? undefined, since, signal: overlap ? listSignal : input.signal, log, waiter }, (asset) => {
      counters.listed++;
      // never judged before every reference is known
      if (referencesComplete) judge(asset);
      else pending.add(asset);
    });
    for (const { partition, prefix } of outcome.fullyListed) ledger.markListedFully(partition, prefix);
    // a stop caused by the other half failing is that failure's, not a stop of the scan
    if (!(halt.signal.aborted && !input.signal?.aborted)) stop ??= outcome.stop;
    log.info(`  ${counters.listed.toLocaleString('en-US')} assets listed in ${chains.reduce((n, c) => n + c.pages, 0)} page(s)`);
  }

  // 2. the plan: what the scan will cost, against the budget left (judged before listing when it may refuse)
  if (!overlap && !resume && (scope.orphans || input.plan === 'only')) {
    await planCallsOnce(true);
    makePlan();
    if (input.plan === 'only') return finish();
    if (plan!.fits === false && input.plan === 'stop') {
      plan!.refused = `the scan needs about ${plan!.total} Admin API calls but only ${plan!.budget?.usable ?? 0} are usable before the stop threshold (--on-budget stop)` +
        (plan!.budget?.resetAt ? `; the budget resets at ${plan!.budget.resetAt}` : '');
      return finish();
    }
  }

  // 3. the listing (a resumed scan carries its orphans so far)
  if (!overlap) {
    await judgeHeld();
    if (scope.orphans && !stop) await list();
  }

  // 4. what the listing could not settle
  if (scope.missing && !stop) {
    log.info(`Checking ${index.distinctCount.toLocaleString('en-US')} referenced assets for existence…`);
    const verified = await confirmMissing(storage, index, ledger, { scope, mask }, { signal: input.signal, log, waiter, verify, stopAt: input.stopAt ?? 0.95 });
    heads = verified.heads;
    // an inconclusive HEAD leaves references unverified: the scan is incomplete, as after a stop,
    // and its checkpoint lets --resume check just what is left
    if (!verified.stop && verified.inconclusive) {
      verified.stop = {
        kind: 'unverified',
        message: `${verified.inconclusive.toLocaleString('en-US')} existence check(s) by HEAD settled nothing (${verified.inconclusiveReason ?? 'no answer'}); the references they left open are listed as unverified`,
      };
    }
    stop = verified.stop;
    lookups = verified.lookups;
  }
  return finish();

  async function finish(): Promise<DetectResult> {
    const missing: MissingRow[] = [];
    const unverified: MissingRow[] = [];
    let outOfScope = 0;
    const checked = scope.missing && !plan?.refused && input.plan !== 'only';
    if (checked) {
      let bucket: MissingRow[] = missing;
      await spool.scan(
        (requirement) => {
          const candidates = index.candidatesOf(requirement);
          if (!slotsInScope(candidates, scope, mask, idOf)) {
            outOfScope++;
            return false;
          }
          if (ledger.existsSlots(candidates)) return false;
          bucket = ledger.provenMissingSlots(candidates, idOf) ? missing : unverified;
          return true;
        },
        (requirement, row) => {
          const primary = index.candidatesOf(requirement)[0]!;
          bucket.push({ ...row, publicId: idOf(primary.slot), ...typesOfMask(primary.mask) });
        },
      );
      const order = new Map(config.references.map((s, i) => [s.name, i]));
      // one collator for every comparison: localeCompare with options builds one per call (25x slower)
      const numeric = new Intl.Collator('en', { numeric: true });
      const byRecord = (a: MissingRow, b: MissingRow) =>
        (order.get(a.source)! - order.get(b.source)!) || numeric.compare(a.recordId, b.recordId) || a.publicId.localeCompare(b.publicId);
      missing.sort(byRecord);
      unverified.sort(byRecord);
    }
    orphans.sort((a, b) => a.publicId.localeCompare(b.publicId) || a.resourceType.localeCompare(b.resourceType) || a.type.localeCompare(b.type));
    // set from this run's references (a resumed scan's carried orphans included)
    for (const o of orphans) {
      const slot = index.slotOf(o.publicId);
      const elsewhere = slot === undefined ? 0 : index.protectedMaskOf(slot);
      if (elsewhere) o.note = `public_id referenced as ${maskLabel(elsewhere)}`;
      else delete o.note;
    }

    const before: Checkpoint['api'] = resume?.api ?? { calls: 0, listCalls: 0, lookups: 0, runs: 0 };
    const listCalls = chains.reduce((n, c) => n + c.pages, 0);
    let checkpoint: string | undefined;
    if (stop && input.saveCheckpoint) {
      checkpoint = input.saveCheckpoint({
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        writtenAt: now().toISOString(),
        startedAt: resume?.startedAt ?? started.toISOString(),
        reason: stop.message,
        cloudName: storage.account,
        configDigest: configDigest(config),
        scope,
        options: { windows, verify },
        phase: chains.every((c) => c.complete) ? 'lookups' : 'listing',
        chains,
        counters,
        orphans,
        ledger: ledger.exportState(idOf, index.slotCount),
        api: { calls: before.calls + storage.calls, listCalls, lookups: before.lookups + lookups, heads: (before.heads ?? 0) + heads, runs: before.runs + 1 },
      });
    }
    const finished = now();
    const budget = storage.budget;
    return {
      tool: { name: 'asset-audit', version: input.version },
      backend: storage.name,
      cloudName: storage.account,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      scope,
      complete: !stop && !plan?.refused && input.plan !== 'only',
      incompleteReason: stop?.message ?? plan?.refused,
      listing: { assets: counters.listed, inScope: counters.valid + counters.ignored + orphans.length, partitions: chainStatuses(chains) },
      references: {
        rows: index.sources.reduce((n, s) => n + s.rows, 0),
        references: index.referenceCount,
        distinct: index.distinctCount,
        sources: index.sources,
        foreign: index.foreign,
        invalid: index.invalid,
      },
      orphans,
      orphanBytes: counters.orphanBytes,
      valid: counters.valid,
      ignored: counters.ignored,
      missing,
      unverified,
      outOfScope,
      api: {
        calls: before.calls + storage.calls,
        retries: storage.retries ?? 0,
        limit: budget?.limit,
        remaining: budget?.remaining,
        resetAt: budget?.resetAt?.toISOString(),
        lookups: before.lookups + lookups,
        ...(verify !== 'lookup' || before.heads ? { heads: (before.heads ?? 0) + heads } : {}),
        listCalls,
      },
      warnings,
      ...(plan ? { plan } : {}),
      ...(checkpoint ? { checkpoint } : {}),
      ...(resume ? { resumed: { from: resume.startedAt, runs: before.runs + 1 } } : {}),
    };
  }
}
