/**
 * What detect takes and the one state its steps share (src/scan/steps/): read references → plan →
 * list and judge → verify → result → checkpoint. Each step reads and updates this state; none
 * keeps its own.
 */
import type { FileConfig } from '../config/schema.js';
import { ExistenceLedger, ignoreMatcher, scopeMask } from '../audit/classify.js';
import { orphanOrder, type Judge } from '../audit/judge.js';
import { PartitionMasks } from '../audit/partitions.js';
import { SortedSpool } from './sorted-spool.js';
import { ReferenceIndex } from '../audit/reference-index.js';
import type { Scope } from '../audit/result.js';
import type { ReferenceReader } from '../database/types.js';
import type { Logger } from '../log.js';
import type { StorageBackend } from '../storage/backend.js';
import type { AccountUsage, ListTarget } from '../storage/types.js';
import type { Checkpoint } from './checkpoint.js';
import { baseTargets, LIST_CONCURRENCY, newChain, newExtras, type Chain, type ListExtras, type WindowChoice } from './list.js';
import type { PendingAssets } from './pending.js';
import type { ScanPlan } from './plan.js';
import type { RowSpool } from './spool.js';
import type { Stop } from './stop.js';
import type { VerifyMode } from './verify.js';
import { BudgetWaiter } from './wait.js';

export interface DetectInput {
  config: FileConfig;
  scope: Scope;
  storage: StorageBackend;
  /** An open reader: detect closes it once every reference is read (no snapshot held through the listing). */
  reader: ReferenceReader;
  log: Logger;
  signal?: AbortSignal;
  version: string;
  now?: () => Date;
  /** Upload-time windows per long chain: 'auto' (default) as the budget allows, N per chain, 1 never. */
  windows?: number | 'auto';
  /** Chains listed at once (the backend limits the calls in flight itself). */
  concurrency?: number;
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
  /** Finding rows held in memory before they are spooled to disk (CHUNK_ROWS; tests make it small). */
  findingsChunk?: number;
  /** Persists the checkpoint of a stopped scan; returns where it went. */
  saveCheckpoint?: (checkpoint: Checkpoint) => string;
}

export interface DetectState {
  readonly input: DetectInput;
  readonly storage: StorageBackend;
  readonly log: Logger;
  readonly resume?: Checkpoint;
  readonly scope: Scope;
  readonly windows: number | 'auto';
  readonly concurrency: number;
  readonly verify: VerifyMode;
  readonly now: () => Date;
  readonly started: Date;
  readonly since?: Date;
  /** The scope's partitions as a mask. */
  readonly mask: number;
  readonly targets: ListTarget[];
  readonly warnings: string[];
  readonly waiter?: BudgetWaiter;
  readonly index: ReferenceIndex;
  readonly ledger: ExistenceLedger;
  readonly spool: RowSpool;
  /** Assets listed before the last reference was in: held, judged once it is. */
  readonly pending: PendingAssets;
  /** Orphans so far and the counters, as the pure judge keeps them. */
  readonly judge: Judge;
  /**
   * The listing starts while the references are still being read, unless the plan must be judged
   * before any listing call (--plan, --on-budget stop). Either way no asset is judged before the
   * last reference is in.
   */
  readonly overlap: boolean;
  /** Stops the other half of the overlap when one half fails. */
  readonly halt: AbortController;
  readonly listSignal: AbortSignal;
  chains: Chain[];
  /** What the listing set apart (symlinks), could not list (unreadable folders), and noted. */
  readonly extras: ListExtras;
  stop?: Stop;
  plan?: ScanPlan;
  usage?: AccountUsage;
  planCalls: number;
  /** How the listing was split into windows, or why not. */
  windowChoice?: WindowChoice;
  lookups: number;
  heads: number;
  referencesComplete: boolean;
  /** The plan's calls running beside the reading (overlap without window probes). */
  planning?: Promise<void>;
  /** Closes the reader once (after reading, or when detect ends early). */
  closeReader(): Promise<void>;
}

export function newState(input: DetectInput, spool: RowSpool, pending: PendingAssets): DetectState {
  const { resume, log } = input;
  const scope = resume?.scope ?? input.scope;
  const now = input.now ?? (() => new Date());
  // the backend's partitions as this run's bits: nothing in the audit assumes whose they are
  const masks = new PartitionMasks(input.storage.partitions);
  const index = new ReferenceIndex(masks, spool);
  const ledger = new ExistenceLedger(masks, index);
  const targets = baseTargets(scope.resourceTypes, scope.types, input.storage.partitions);
  const halt = new AbortController();
  let closing: Promise<void> | undefined;
  return {
    input,
    storage: input.storage,
    log,
    resume,
    scope,
    windows: resume?.options.windows ?? input.windows ?? 'auto',
    concurrency: input.concurrency ?? input.storage.concurrency?.max ?? LIST_CONCURRENCY,
    verify: input.verify ?? resume?.options.verify ?? input.storage.preferredVerify ?? 'lookup',
    now,
    started: now(),
    since: scope.since ? new Date(scope.since) : undefined,
    mask: scopeMask(scope, masks),
    targets,
    warnings: [],
    waiter: input.waitForReset ? new BudgetWaiter({ log, signal: input.signal }) : undefined,
    index,
    ledger,
    spool,
    pending,
    judge: {
      index,
      ledger,
      isIgnored: ignoreMatcher(input.config.ignore),
      orphans: new SortedSpool(orphanOrder, input.findingsChunk),
      counters: { listed: 0, valid: 0, ignored: 0, orphanBytes: 0, ...resume?.counters },
    },
    overlap: scope.orphans && input.plan !== 'only' && input.plan !== 'stop' && !input.storage.listsLocally,
    halt,
    listSignal: input.signal ? AbortSignal.any([input.signal, halt.signal]) : halt.signal,
    chains: resume?.chains ?? (scope.orphans ? targets.map((t) => newChain(t)) : []),
    extras: newExtras(),
    planCalls: 0,
    lookups: 0,
    heads: 0,
    referencesComplete: false,
    closeReader: () => (closing ??= input.reader.close()),
  };
}

/** The public_id of an index slot. */
export const idOfSlot = (s: DetectState) => (slot: number): string => s.index.publicIdOf(slot);
