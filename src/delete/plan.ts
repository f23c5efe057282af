/**
 * Decides, for every candidate of a confirmed report, whether it may be deleted now. Every layer
 * can only remove a candidate, never add one: referenced now, ignored, gone, replaced since the
 * scan, too young, or already handled by an earlier run.
 */
import pLimit from 'p-limit';
import type { ReferenceIndex } from '../audit/reference-index.js';
import type { StorageBackend } from '../storage/backend.js';
import { partitionKey, type Partition, type StoredAsset } from '../storage/types.js';
import type { Candidate } from './candidates.js';
import type { Journal, Outcome } from './journal.js';

/** Lookups in flight at once while re-verifying. */
export const VERIFY_CONCURRENCY = 4;

export interface Settled {
  candidate: Candidate;
  outcome: Outcome;
  current?: StoredAsset;
}

export interface DeletePlan {
  toDelete: Array<{ candidate: Candidate; current: StoredAsset }>;
  /** Decided without deleting: skipped, not found, or finished by an earlier run. */
  settled: Settled[];
  /** Finished by an earlier run (journal); not recorded again. */
  alreadyDone: number;
}

export interface PlanInput {
  candidates: Candidate[];
  index: ReferenceIndex;
  isIgnored: (publicId: string) => boolean;
  journal: Journal;
  storage: StorageBackend;
  minAgeHours: number;
  now: Date;
  signal?: AbortSignal;
}

export async function planDeletion(input: PlanInput): Promise<DeletePlan> {
  const settled: Settled[] = [];
  const pending: Candidate[] = [];
  let alreadyDone = 0;
  for (const c of input.candidates) {
    if (input.journal.finished(c)) alreadyDone++;
    else if (input.index.isProtected(c)) settled.push({ candidate: c, outcome: 'skipped:referenced' });
    else if (input.isIgnored(c.publicId)) settled.push({ candidate: c, outcome: 'skipped:ignored' });
    else pending.push(c);
  }

  const byPartition = new Map<string, { partition: Partition; items: Candidate[] }>();
  for (const c of pending) {
    const p = { resourceType: c.resourceType, type: c.type };
    const entry = byPartition.get(partitionKey(p)) ?? { partition: p, items: [] };
    entry.items.push(c);
    byPartition.set(partitionKey(p), entry);
  }
  const limit = pLimit(VERIFY_CONCURRENCY);
  const current = new Map<string, StoredAsset>();
  const jobs: Array<Promise<void>> = [];
  for (const { partition, items } of byPartition.values()) {
    for (let i = 0; i < items.length; i += input.storage.limits.lookupBatch) {
      const batch = items.slice(i, i + input.storage.limits.lookupBatch);
      jobs.push(
        limit(async () => {
          input.signal?.throwIfAborted();
          const found = await input.storage.lookup(partition, batch.map((c) => c.publicId));
          for (const a of found) current.set(`${a.resourceType}/${a.type}/${a.publicId}`, a);
        }),
      );
    }
  }
  await Promise.all(jobs);

  const toDelete: DeletePlan['toDelete'] = [];
  const minAgeMs = input.minAgeHours * 3_600_000;
  for (const c of pending) {
    const now = current.get(`${c.resourceType}/${c.type}/${c.publicId}`);
    if (!now) settled.push({ candidate: c, outcome: 'not_found' });
    else if (replaced(c, now)) settled.push({ candidate: c, outcome: 'skipped:replaced_since_scan', current: now });
    else if (input.now.getTime() - Date.parse(now.createdAt) < minAgeMs) settled.push({ candidate: c, outcome: 'skipped:too_recent', current: now });
    else toDelete.push({ candidate: c, current: now });
  }
  return { toDelete, settled, alreadyDone };
}

/** The asset under this public_id is not the one the scan saw. */
function replaced(c: Candidate, now: StoredAsset): boolean {
  if (c.assetId && now.assetId && c.assetId !== now.assetId) return true;
  if (c.bytes !== now.bytes) return true;
  return Date.parse(c.uploadedAt) !== Date.parse(now.createdAt);
}
