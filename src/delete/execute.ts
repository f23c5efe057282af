/**
 * Deletes a verified plan in batches of at most the store's delete batch, per partition.
 * For each batch, in this order: the backups (when asked, fsynced with their manifest lines), the
 * last check (references read again, the batch looked up again: see last-check.ts), the DELETE
 * call by asset_id, and the journal of what Cloudinary answered for each id, before the next batch
 * starts. An interruption is honoured between batches: the batch in flight always finishes and is
 * recorded.
 */
import { StorageError } from '../storage/errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { partitionKey, type Partition, type StoredAsset } from '../storage/types.js';
import type { Logger } from '../log.js';
import { errorMessage } from '../config/redact.js';
import { oneLine } from '../report/one-line.js';
import { asStop, type Stop } from '../scan/stop.js';
import { backupAsset } from './backup.js';
import type { Candidate } from './candidates.js';
import type { Journal, JournalEntry, Outcome } from './journal.js';
import { lastCheck } from './last-check.js';

export interface ExecuteInput {
  items: Array<{ candidate: Candidate; current: StoredAsset }>;
  storage: StorageBackend;
  journal: Journal;
  log: Logger;
  signal?: AbortSignal;
  backup?: { dir: string; cloudName: string; urlOf: (asset: StoredAsset) => string | Promise<string> };
  /** Reads every reference again and tells which of `batch` one protects now. */
  referencedNow: (batch: StoredAsset[]) => Promise<Set<StoredAsset>>;
}

export interface ExecuteOutcome {
  deleted: number;
  notFound: number;
  failed: number;
  /** Held back by the last check: a row references them now. */
  nowReferenced: number;
  /** Held back by the last check: another file is there now (asset_id, version, size or time differ). */
  replaced: number;
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
  const result: ExecuteOutcome = { deleted: 0, notFound: 0, failed: 0, nowReferenced: 0, replaced: 0 };
  const groups = new Map<string, { partition: Partition; items: StoredAsset[] }>();
  for (const { current } of input.items) {
    const p = { resourceType: current.resourceType, type: current.type };
    const g = groups.get(partitionKey(p)) ?? { partition: p, items: [] };
    g.items.push(current);
    groups.set(partitionKey(p), g);
  }

  for (const { partition, items } of groups.values()) {
    const size = input.storage.limits.deleteBatch;
    for (let i = 0; i < items.length; i += size) {
      if (input.signal?.aborted) {
        result.stop = { kind: 'interrupted', message: `interrupted (${String(input.signal.reason)}) before ${items.length - i} more in ${partitionKey(partition)}` };
        return result;
      }
      const entries: JournalEntry[] = [];
      try {
        const stop = await deleteBatch(input, partition, items.slice(i, i + size), entries, result);
        if (stop) {
          result.stop = stop;
          return result;
        }
      } finally {
        input.journal.append(entries);
      }
      input.log.progress(`deleted ${result.deleted} of ${input.items.length}`);
    }
  }
  return result;
}

/** One batch: backups, last check, DELETE by asset_id. Every outcome goes to `entries`. */
async function deleteBatch(input: ExecuteInput, partition: Partition, batch: StoredAsset[], entries: JournalEntry[], result: ExecuteOutcome): Promise<Stop | undefined> {
  const record = (asset: StoredAsset, outcome: Outcome) => entries.push(entryFor(asset, outcome));
  let backedUp = batch;
  if (input.backup) {
    backedUp = [];
    for (const asset of batch) {
      try {
        await backupAsset(input.backup.dir, asset, await input.backup.urlOf(asset), input.backup.cloudName);
        backedUp.push(asset);
      } catch (err) {
        result.failed++;
        record(asset, `failed:backup ${errorMessage(err)}`);
        input.log.warn(`not deleting ${oneLine(asset.publicId)}: backup failed (${errorMessage(err)})`);
      }
    }
  }
  if (backedUp.length === 0) return undefined;

  let ready: StoredAsset[];
  try {
    const check = await lastCheck({ partition, batch: backedUp, storage: input.storage, referencedNow: input.referencedNow });
    for (const { asset, outcome } of check.held) {
      record(asset, outcome);
      if (outcome === 'not_found') result.notFound++;
      else if (outcome === 'skipped:referenced') {
        result.nowReferenced++;
        input.log.warn(`not deleting ${oneLine(asset.publicId)}: a row references it now`);
      } else {
        result.replaced++;
        input.log.warn(`not deleting ${oneLine(asset.publicId)}: another file is there now ${outcome.slice(outcome.indexOf('('))}`);
      }
    }
    ready = check.ready;
  } catch (err) {
    const stop = asStop(err);
    if (stop) return stop; // nothing in this batch was sent
    if (!(err instanceof StorageError)) throw err;
    for (const asset of backedUp) record(asset, `failed:could not re-verify (${err.kind} ${err.message})`);
    result.failed += backedUp.length;
    input.log.warn(`could not re-verify a batch in ${partitionKey(partition)}; none of it was deleted: ${err.message}`);
    return undefined;
  }
  if (ready.length === 0) return undefined;

  // nothing is awaited between the last check and this call
  try {
    const answers = await input.storage.delete(ready.map((a) => a.assetId!));
    const byId = new Map(answers.map((o) => [o.assetId, o.outcome]));
    for (const asset of ready) {
      const answer = byId.get(asset.assetId!);
      if (answer === 'deleted') result.deleted++;
      else if (answer === 'not_found') result.notFound++;
      else result.failed++;
      record(asset, answer === 'deleted' || answer === 'not_found' ? answer : `failed:${answer ?? 'no answer for this id'}`);
    }
  } catch (err) {
    const stop = asStop(err);
    if (stop) return stop; // the call was not sent
    if (!(err instanceof StorageError)) throw err;
    // the request may or may not have reached Cloudinary; a re-run re-verifies these ids
    for (const asset of ready) record(asset, `failed:${err.kind} ${err.message}`);
    result.failed += ready.length;
    input.log.warn(`a delete batch in ${partitionKey(partition)} failed: ${err.message}`);
  }
  return undefined;
}
