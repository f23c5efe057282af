/**
 * Settles the references a listing did not find: batched lookups (the backend's lookup batch a call) in
 * every partition whose absence is not yet proven, likeliest partitions first, so that a
 * date-filtered, prefix-filtered or interrupted listing never turns into a false "missing".
 * Works on the index's slots; what is known lives in the ledger, so a resumed scan recomputes
 * exactly what is left to look up.
 *
 * `--verify head` settles the same questions by HTTP HEAD on delivery / signed download URLs,
 * outside the Admin API budget, and records the answers in the ledger exactly like lookups
 * (200: seen in the partition; 404: absence proven there). An inconclusive HEAD records nothing.
 * `--verify auto` decides per partition, when it starts: HEADs when the budget left under the
 * stop threshold is smaller than that partition's lookups (ceil(k / lookup batch)), else lookups;
 * and HEADs for the rest of the scan once a lookup meets the budget's end.
 */
import pLimit from 'p-limit';
import { ExistenceLedger, slotsInScope } from '../audit/classify.js';
import type { ReferenceIndex } from '../audit/reference-index.js';
import type { Scope } from '../audit/result.js';
import { BudgetExhausted } from '../storage/budget.js';
import { partitionKey, type Budget, type Partition } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';

/** Lookups in flight at once when the caller names no concurrency (detect passes --concurrency; the backend's limiter still decides). */
export const LOOKUP_CONCURRENCY = 4;

export const VERIFY_MODES = ['lookup', 'head', 'auto'] as const;
export type VerifyMode = (typeof VERIFY_MODES)[number];

export interface VerifyOutcome {
  lookups: number;
  /** HEAD requests answered or given up on (retries included). */
  heads: number;
  /** (id, partition) checks by HEAD that settled nothing, and the first reason. */
  inconclusive: number;
  inconclusiveReason?: string;
  stop?: Stop;
}

/** Admin API calls left before the guard's stop threshold, if the service has reported a budget. */
export function usableBudget(budget: Budget | undefined, stopAt: number): number | undefined {
  if (!budget || budget.limit <= 0) return undefined;
  return Math.max(0, Math.floor(budget.limit * stopAt) - (budget.limit - budget.remaining));
}

export interface VerifyOptions {
  signal?: AbortSignal;
  log: Logger;
  stopped?: Stop;
  waiter?: BudgetWaiter;
  verify?: VerifyMode;
  stopAt?: number;
  /** Lookups in flight at most (LOOKUP_CONCURRENCY). */
  concurrency?: number;
}

export async function confirmMissing(
  storage: StorageBackend,
  index: ReferenceIndex,
  ledger: ExistenceLedger,
  scope: { scope: Scope; mask: number },
  options: VerifyOptions,
): Promise<VerifyOutcome> {
  const mode = options.verify ?? 'lookup';
  if (mode === 'head' && !storage.head) throw new Error('--verify head: this storage cannot check existence by HEAD');
  return new Verification(storage, index, ledger, scope, options, mode).run();
}

/** One pass over the backend's partitions in lookup order; the counters and the stop are its state. */
class Verification {
  lookups = 0;
  inconclusive = 0;
  inconclusiveReason: string | undefined;
  stop: Stop | undefined;
  /** The first error that is not a stop: every batch ends at its next step, then it is rethrown. */
  failure: { error: unknown } | undefined;
  /** auto: a lookup met the end of the budget; HEADs from then on. */
  budgetGone = false;
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly idOf = (slot: number) => this.index.publicIdOf(slot);
  private readonly lookupBatch: number;
  private readonly headConcurrency: number;

  constructor(
    private readonly storage: StorageBackend,
    private readonly index: ReferenceIndex,
    private readonly ledger: ExistenceLedger,
    private readonly scope: { scope: Scope; mask: number },
    private readonly options: VerifyOptions,
    private readonly mode: VerifyMode,
  ) {
    this.stop = options.stopped;
    this.lookupBatch = storage.limits.lookupBatch;
    this.headConcurrency = storage.limits.headConcurrency ?? 1;
    this.limit = pLimit(options.concurrency ?? LOOKUP_CONCURRENCY);
  }

  async run(): Promise<VerifyOutcome> {
    const headsBefore = this.storage.heads ?? 0;
    for (const partition of this.storage.partitions) {
      if (this.stop || this.failure) break;
      const bit = this.index.masks.bit(partition);
      const slots = this.wantedIn(bit);
      if (slots.length === 0) continue;
      if (this.useHeads(slots.length)) {
        if (this.mode === 'auto') this.options.log.debug(`${partitionKey(partition)}: ${slots.length} id(s) checked by HEAD (the budget left does not cover ${Math.ceil(slots.length / this.lookupBatch)} lookup(s))`);
        await this.headPass(partition, bit, slots);
        continue;
      }
      await this.lookupPass(partition, bit, slots);
      if (this.budgetGone && !this.stop && !this.failure) await this.headPass(partition, bit, this.wantedIn(bit));
    }
    if (this.failure) throw this.failure.error;
    return { lookups: this.lookups, heads: (this.storage.heads ?? 0) - headsBefore, inconclusive: this.inconclusive, inconclusiveReason: this.inconclusiveReason, stop: this.stop };
  }

  /** Slots still to settle in this partition, in slot order. */
  private wantedIn(bit: number): number[] {
    const { index, ledger, scope, idOf } = this;
    const wanted = new Uint8Array(index.slotCount);
    index.forEachRequirement((_, candidates) => {
      if (!slotsInScope(candidates, scope.scope, scope.mask, idOf) || ledger.existsSlots(candidates)) return;
      for (const c of candidates) {
        if (c.mask & bit && !(ledger.absentMask(c.slot, idOf(c.slot)) & bit)) wanted[c.slot] = 1;
      }
    });
    const slots: number[] = [];
    for (let slot = 0; slot < wanted.length; slot++) if (wanted[slot]) slots.push(slot);
    return slots;
  }

  private useHeads(count: number): boolean {
    if (this.mode === 'head') return true;
    if (this.mode === 'lookup' || !this.storage.head) return false;
    if (this.budgetGone) return true;
    const usable = usableBudget(this.storage.budget, this.options.stopAt ?? 0.95);
    return usable !== undefined && usable < Math.ceil(count / this.lookupBatch);
  }

  private async lookupPass(partition: Partition, bit: number, slots: number[]): Promise<void> {
    const batches: number[][] = [];
    for (let i = 0; i < slots.length; i += this.lookupBatch) batches.push(slots.slice(i, i + this.lookupBatch));
    await Promise.all(batches.map((batch) => this.limit(() => this.lookUp(partition, bit, batch))));
  }

  /** One batch, retried after a budget reset when waiting is allowed. */
  private async lookUp(partition: Partition, bit: number, batch: number[]): Promise<void> {
    const { storage, index, ledger, options } = this;
    for (;;) {
      if (this.stop || this.failure || this.budgetGone) return;
      try {
        options.signal?.throwIfAborted();
        const found = await storage.lookup(partition, batch.map(this.idOf));
        this.lookups++;
        for (const a of found) {
          const s = index.slotOf(a.publicId);
          if (s !== undefined) ledger.markSeenSlot(s, index.masks.bit(a));
        }
        for (const s of batch) ledger.markLookedUpSlot(s, bit);
        options.log.progress(`checked ${this.lookups} batch(es) of referenced ids (${partitionKey(partition)})`);
        return;
      } catch (err) {
        if (this.failure) return;
        if (this.mode === 'auto' && err instanceof BudgetExhausted && storage.head) {
          if (!this.budgetGone) options.log.warn(`${err.message}: checking the rest by HEAD requests (--verify auto)`);
          this.budgetGone = true;
          return;
        }
        if (options.waiter && (await options.waiter.waitAfter(err))) continue;
        const s = asStop(err, options.signal);
        if (!s) {
          this.failure = { error: err };
          return;
        }
        this.stop ??= s;
        return;
      }
    }
  }

  private async headPass(partition: Partition, bit: number, slots: number[]): Promise<void> {
    const { storage, ledger, options } = this;
    let done = 0;
    let next = 0;
    // headConcurrency workers draining one queue: nothing is allocated per id up front
    const worker = async (): Promise<void> => {
      while (next < slots.length && !this.stop && !this.failure) {
        if (options.signal?.aborted) break;
        const slot = slots[next++]!;
        const answer = await storage.head!(partition, this.idOf(slot), options.signal).catch((err: unknown) => ({ status: 'unknown' as const, reason: (err as Error).message }));
        if (answer.status === 'exists') ledger.markSeenSlot(slot, bit);
        else if (answer.status === 'absent') ledger.markLookedUpSlot(slot, bit);
        else {
          this.inconclusive++;
          this.inconclusiveReason ??= answer.reason;
          options.log.debug(answer.reason);
        }
        if (++done % 100 === 0 || done === slots.length) options.log.progress(`checked ${done.toLocaleString('en-US')} of ${slots.length.toLocaleString('en-US')} referenced id(s) by HEAD (${partitionKey(partition)})`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.headConcurrency, slots.length) }, worker));
    // a check cut short by a signal is the signal's, not an unsettled HEAD's
    if (options.signal?.aborted) this.stop ??= asStop(options.signal.reason, options.signal);
  }
}
