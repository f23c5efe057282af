/**
 * Settles the references a listing did not find: batched lookups (LOOKUP_BATCH ids a call) in
 * every partition whose absence is not yet proven, likeliest partitions first, so that a
 * date-filtered, prefix-filtered or interrupted listing never turns into a false "missing".
 */
import pLimit from 'p-limit';
import { ExistenceLedger } from '../audit/classify.js';
import { LOOKUP_ORDER, partitionsOf } from '../audit/keys.js';
import type { Requirement } from '../audit/reference-index.js';
import { LOOKUP_BATCH } from '../storage/cloudinary/client.js';
import { partitionKey, type StorageClient } from '../storage/types.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';

/** Lookups in flight at once. */
export const LOOKUP_CONCURRENCY = 4;

export interface VerifyOutcome {
  missing: Set<string>;
  unverified: Set<string>;
  lookups: number;
  stop?: Stop;
}

export async function confirmMissing(
  storage: StorageClient,
  pending: Map<string, Requirement>,
  ledger: ExistenceLedger,
  options: { signal?: AbortSignal; log: Logger; stopped?: Stop },
): Promise<VerifyOutcome> {
  let open = [...pending.entries()].filter(([, r]) => !ledger.exists(r.candidates));
  let lookups = 0;
  let stop = options.stopped;
  const limit = pLimit(LOOKUP_CONCURRENCY);

  for (const partition of LOOKUP_ORDER) {
    if (stop || open.length === 0) break;
    const ids = new Set<string>();
    for (const [, req] of open) {
      for (const c of req.candidates) {
        if (partitionsOf(c).some((p) => p.resourceType === partition.resourceType && p.type === partition.type) && !ledger.absentIn(partition, c.publicId)) {
          ids.add(c.publicId);
        }
      }
    }
    const all = [...ids];
    const batches: string[][] = [];
    for (let i = 0; i < all.length; i += LOOKUP_BATCH) batches.push(all.slice(i, i + LOOKUP_BATCH));
    await Promise.all(
      batches.map((batch) =>
        limit(async () => {
          if (stop) return;
          try {
            options.signal?.throwIfAborted();
            const found = await storage.lookup(partition, batch);
            lookups++;
            for (const a of found) ledger.markSeen(a.resourceType, a.type, a.publicId);
            for (const id of batch) ledger.markLookedUp(partition, id);
            options.log.progress(`checked ${lookups} batch(es) of referenced ids (${partitionKey(partition)})`);
          } catch (err) {
            const s = asStop(err, options.signal);
            if (!s) throw err;
            stop ??= s;
          }
        }),
      ),
    );
    open = open.filter(([, r]) => !ledger.exists(r.candidates));
  }

  const missing = new Set<string>();
  const unverified = new Set<string>();
  for (const [key, req] of open) {
    if (ledger.provenMissing(req.candidates)) missing.add(key);
    else unverified.add(key);
  }
  return { missing, unverified, lookups, stop };
}
