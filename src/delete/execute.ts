/**
 * Deletes a verified plan in batches of at most DELETE_BATCH ids per resource type and delivery
 * type, backing each asset up first when asked, and journals every batch before the next starts.
 * An interruption is honoured between batches: the batch in flight always finishes and is recorded.
 */
import { DELETE_BATCH } from '../storage/cloudinary/client.js';
import { StorageError } from '../storage/cloudinary/errors.js';
import { partitionKey, type Partition, type StorageClient, type StoredAsset } from '../storage/types.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from '../scan/stop.js';
import { backupAsset } from './backup.js';
import type { Candidate } from './candidates.js';
import type { Journal, JournalEntry, Outcome } from './journal.js';

export interface ExecuteInput {
  items: Array<{ candidate: Candidate; current: StoredAsset }>;
  storage: StorageClient;
  journal: Journal;
  log: Logger;
  signal?: AbortSignal;
  backup?: { dir: string; urlOf: (asset: StoredAsset) => string };
  /** Called before each batch: returns the assets still not referenced (the others are skipped). */
  stillUnreferenced?: (assets: StoredAsset[]) => Promise<StoredAsset[]>;
}

export interface ExecuteOutcome {
  deleted: number;
  notFound: number;
  failed: number;
  /** Skipped because a row started to use them after the plan was made. */
  nowReferenced: number;
  stop?: Stop;
}

export function entryFor(asset: { publicId: string; resourceType: string; type: string; assetId?: string; bytes: number }, outcome: Outcome): JournalEntry {
  return {
    time: new Date().toISOString(),
    publicId: asset.publicId,
    resourceType: asset.resourceType,
    type: asset.type,
    assetId: asset.assetId ?? '',
    bytes: asset.bytes,
    outcome,
  };
}

export async function executeDeletion(input: ExecuteInput): Promise<ExecuteOutcome> {
  const result: ExecuteOutcome = { deleted: 0, notFound: 0, failed: 0, nowReferenced: 0 };
  const groups = new Map<string, { partition: Partition; items: StoredAsset[] }>();
  for (const { current } of input.items) {
    const p = { resourceType: current.resourceType, type: current.type };
    const g = groups.get(partitionKey(p)) ?? { partition: p, items: [] };
    g.items.push(current);
    groups.set(partitionKey(p), g);
  }

  for (const { partition, items } of groups.values()) {
    for (let i = 0; i < items.length; i += DELETE_BATCH) {
      if (input.signal?.aborted) {
        result.stop = { kind: 'interrupted', message: `interrupted (${String(input.signal.reason)}) before ${items.length - i} more in ${partitionKey(partition)}` };
        return result;
      }
      let batch = items.slice(i, i + DELETE_BATCH);
      const entries: JournalEntry[] = [];
      if (input.stillUnreferenced) {
        const keep = new Set(await input.stillUnreferenced(batch));
        for (const asset of batch.filter((a) => !keep.has(a))) {
          result.nowReferenced++;
          entries.push(entryFor(asset, 'skipped:referenced'));
          input.log.warn(`not deleting ${asset.publicId}: a row references it now`);
        }
        batch = batch.filter((a) => keep.has(a));
      }
      let ready = batch;
      if (input.backup) {
        ready = [];
        for (const asset of batch) {
          try {
            await backupAsset(input.backup.dir, asset, input.backup.urlOf(asset));
            ready.push(asset);
          } catch (err) {
            result.failed++;
            entries.push(entryFor(asset, `failed:backup ${(err as Error).message}`));
            input.log.warn(`not deleting ${asset.publicId}: backup failed (${(err as Error).message})`);
          }
        }
      }
      try {
        if (ready.length > 0) {
          const outcomes = await input.storage.deleteIds(partition, ready.map((a) => a.publicId));
          const byId = new Map(outcomes.map((o) => [o.publicId, o.outcome]));
          for (const asset of ready) {
            const outcome = byId.get(asset.publicId);
            if (outcome === 'deleted') result.deleted++;
            else if (outcome === 'not_found') result.notFound++;
            else result.failed++;
            entries.push(entryFor(asset, outcome === 'deleted' || outcome === 'not_found' ? outcome : `failed:${outcome ?? 'no answer for this id'}`));
          }
        }
      } catch (err) {
        const stop = asStop(err);
        if (stop) {
          // nothing in this batch was sent; the finally block records the backups' failures
          result.stop = stop;
          return result;
        }
        if (!(err instanceof StorageError)) throw err;
        // the request may or may not have reached Cloudinary; a re-run re-verifies these ids
        for (const asset of ready) entries.push(entryFor(asset, `failed:${err.kind} ${err.message}`));
        result.failed += ready.length;
        input.log.warn(`a delete batch in ${partitionKey(partition)} failed: ${err.message}`);
      } finally {
        input.journal.append(entries);
      }
      input.log.progress(`deleted ${result.deleted} of ${input.items.length}`);
    }
  }
  return result;
}
