/**
 * Settles the references a listing did not find: batched lookups (LOOKUP_BATCH ids a call) in
 * every partition whose absence is not yet proven, likeliest partitions first, so that a
 * date-filtered, prefix-filtered or interrupted listing never turns into a false "missing".
 * Works on the index's slots; what is known lives in the ledger, so a resumed scan recomputes
 * exactly what is left to look up.
 */
import pLimit from 'p-limit';
import { ExistenceLedger, slotsInScope } from '../audit/classify.js';
import { LOOKUP_ORDER, partitionBit } from '../audit/keys.js';
import type { ReferenceIndex } from '../audit/reference-index.js';
import type { Scope } from '../audit/result.js';
import { LOOKUP_BATCH } from '../storage/cloudinary/client.js';
import { partitionKey, type StorageClient } from '../storage/types.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';

/** Lookups in flight at once. */
export const LOOKUP_CONCURRENCY = 4;

export interface VerifyOutcome {
  lookups: number;
  stop?: Stop;
}

export async function confirmMissing(
  storage: StorageClient,
  index: ReferenceIndex,
  ledger: ExistenceLedger,
  scope: { scope: Scope; mask: number },
  options: { signal?: AbortSignal; log: Logger; stopped?: Stop; waiter?: BudgetWaiter },
): Promise<VerifyOutcome> {
  let lookups = 0;
  let stop = options.stopped;
  /** The first error that is not a stop: every batch ends at its next step, then it is rethrown. */
  let failure: { error: unknown } | undefined;
  const limit = pLimit(LOOKUP_CONCURRENCY);
  const idOf = (slot: number) => index.publicIdOf(slot);

  for (const partition of LOOKUP_ORDER) {
    if (stop || failure) break;
    const bit = partitionBit(partition);
    const wanted = new Uint8Array(index.slotCount);
    index.forEachRequirement((_, candidates) => {
      if (!slotsInScope(candidates, scope.scope, scope.mask, idOf) || ledger.existsSlots(candidates)) return;
      for (const c of candidates) {
        if (c.mask & bit && !(ledger.absentMask(c.slot, idOf(c.slot)) & bit)) wanted[c.slot] = 1;
      }
    });
    const batches: number[][] = [];
    let batch: number[] = [];
    for (let slot = 0; slot < wanted.length; slot++) {
      if (!wanted[slot]) continue;
      batch.push(slot);
      if (batch.length === LOOKUP_BATCH) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length) batches.push(batch);
    await Promise.all(
      batches.map((slots) =>
        limit(async () => {
          for (;;) {
            if (stop || failure) return;
            try {
              options.signal?.throwIfAborted();
              const found = await storage.lookup(partition, slots.map(idOf));
              lookups++;
              for (const a of found) {
                const s = index.slotOf(a.publicId);
                if (s !== undefined) ledger.markSeenSlot(s, partitionBit(a));
              }
              for (const s of slots) ledger.markLookedUpSlot(s, bit);
              options.log.progress(`checked ${lookups} batch(es) of referenced ids (${partitionKey(partition)})`);
              return;
            } catch (err) {
              if (failure) return;
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
  if (failure) throw failure.error;
  return { lookups, stop };
}
