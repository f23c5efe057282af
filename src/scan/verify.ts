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
import { partitionBit } from '../audit/keys.js';
import type { ReferenceIndex } from '../audit/reference-index.js';
import type { Scope } from '../audit/result.js';
import { BudgetExhausted } from '../storage/budget.js';
import { partitionKey, type Budget, type Partition } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';

/** Lookups in flight at once. */
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

export async function confirmMissing(
  storage: StorageBackend,
  index: ReferenceIndex,
  ledger: ExistenceLedger,
  scope: { scope: Scope; mask: number },
  options: { signal?: AbortSignal; log: Logger; stopped?: Stop; waiter?: BudgetWaiter; verify?: VerifyMode; stopAt?: number },
): Promise<VerifyOutcome> {
  const mode = options.verify ?? 'lookup';
  if (mode === 'head' && !storage.head) throw new Error('--verify head: this storage cannot check existence by HEAD');
  let lookups = 0;
  let inconclusive = 0;
  let inconclusiveReason: string | undefined;
  const headsBefore = storage.heads ?? 0;
  let stop = options.stopped;
  /** The first error that is not a stop: every batch ends at its next step, then it is rethrown. */
  let failure: { error: unknown } | undefined;
  /** auto: a lookup met the end of the budget; HEADs from then on. */
  let budgetGone = false;
  const limit = pLimit(LOOKUP_CONCURRENCY);
  const idOf = (slot: number) => index.publicIdOf(slot);
  const { lookupBatch, headConcurrency = 1 } = storage.limits;

  /** Slots still to settle in this partition, in slot order. */
  function wantedIn(bit: number): number[] {
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

  function useHeads(count: number): boolean {
    if (mode === 'head') return true;
    if (mode === 'lookup' || !storage.head) return false;
    if (budgetGone) return true;
    const usable = usableBudget(storage.budget, options.stopAt ?? 0.95);
    return usable !== undefined && usable < Math.ceil(count / lookupBatch);
  }

  for (const partition of storage.partitions) {
    if (stop || failure) break;
    const bit = partitionBit(partition);
    const slots = wantedIn(bit);
    if (slots.length === 0) continue;
    if (useHeads(slots.length)) {
      if (mode === 'auto') options.log.debug(`${partitionKey(partition)}: ${slots.length} id(s) checked by HEAD (the budget left does not cover ${Math.ceil(slots.length / lookupBatch)} lookup(s))`);
      await headPass(partition, bit, slots);
      continue;
    }
    await lookupPass(partition, bit, slots);
    if (budgetGone && !stop && !failure) await headPass(partition, bit, wantedIn(bit));
  }
  if (failure) throw failure.error;
  return { lookups, heads: (storage.heads ?? 0) - headsBefore, inconclusive, inconclusiveReason, stop };

  async function lookupPass(partition: Partition, bit: number, slots: number[]): Promise<void> {
    const batches: number[][] = [];
    for (let i = 0; i < slots.length; i += lookupBatch) batches.push(slots.slice(i, i + lookupBatch));
    await Promise.all(
      batches.map((batch) =>
        limit(async () => {
          for (;;) {
            if (stop || failure || budgetGone) return;
            try {
              options.signal?.throwIfAborted();
              const found = await storage.lookup(partition, batch.map(idOf));
              lookups++;
              for (const a of found) {
                const s = index.slotOf(a.publicId);
                if (s !== undefined) ledger.markSeenSlot(s, partitionBit(a));
              }
              for (const s of batch) ledger.markLookedUpSlot(s, bit);
              options.log.progress(`checked ${lookups} batch(es) of referenced ids (${partitionKey(partition)})`);
              return;
            } catch (err) {
              if (failure) return;
              if (mode === 'auto' && err instanceof BudgetExhausted && storage.head) {
                if (!budgetGone) options.log.warn(`${err.message}: checking the rest by HEAD requests (--verify auto)`);
                budgetGone = true;
                return;
              }
              if (options.waiter && (await options.waiter.waitAfter(err))) continue;
              const s = asStop(err, options.signal);
              if (!s) {
                failure = { error: err };
                return;
              }
              stop ??= s;
              return;
            }
          }
        }),
      ),
    );
  }

  async function headPass(partition: Partition, bit: number, slots: number[]): Promise<void> {
    let done = 0;
    let next = 0;
    // headConcurrency workers draining one queue: nothing is allocated per id up front
    const worker = async (): Promise<void> => {
      while (next < slots.length && !stop && !failure) {
        if (options.signal?.aborted) break;
        const slot = slots[next++]!;
        const answer = await storage.head!(partition, idOf(slot), options.signal).catch((err: unknown) => ({ status: 'unknown' as const, reason: (err as Error).message }));
        if (answer.status === 'exists') ledger.markSeenSlot(slot, bit);
        else if (answer.status === 'absent') ledger.markLookedUpSlot(slot, bit);
        else {
          inconclusive++;
          inconclusiveReason ??= answer.reason;
          options.log.debug(answer.reason);
        }
        if (++done % 100 === 0 || done === slots.length) options.log.progress(`checked ${done.toLocaleString('en-US')} of ${slots.length.toLocaleString('en-US')} referenced id(s) by HEAD (${partitionKey(partition)})`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(headConcurrency, slots.length) }, worker));
    // a check cut short by a signal is the signal's, not an unsettled HEAD's
    if (options.signal?.aborted) stop ??= asStop(options.signal.reason, options.signal);
  }
}
