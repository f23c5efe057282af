/**
 * The last check, made for each batch right before its DELETE call and after its backups, however
 * recently the previous one ran: the batch is looked up again in the storage, then the references are
 * read again. An asset some reference now protects, that is gone, or whose asset_id, version,
 * size or upload time differ from what was reviewed (and backed up) is not sent. Nothing is awaited
 * between this check and the DELETE call, and the call names asset_ids: a file uploaded under the
 * same public_id after the lookup has another asset_id and is not the one removed.
 */
import type { StorageBackend } from '../storage/backend.js';
import type { Partition, StoredAsset } from '../storage/types.js';
import type { Outcome } from './journal.js';

export interface LastCheckInput {
  partition: Partition;
  /** The assets as they were reviewed (the plan's lookup, which matched the report's rows). */
  batch: StoredAsset[];
  storage: StorageBackend;
  /** Reads every reference again (one streamed pass) and tells which of `batch` one protects now. */
  referencedNow: (batch: StoredAsset[]) => Promise<Set<StoredAsset>>;
}

export interface LastCheck {
  /** Unchanged and unreferenced: to be deleted by asset_id, now. */
  ready: StoredAsset[];
  /** The others, each with why it is not sent. */
  held: Array<{ asset: StoredAsset; outcome: Outcome }>;
}

export async function lastCheck(input: LastCheckInput): Promise<LastCheck> {
  const held: LastCheck['held'] = [];
  // the lookup first, the references last: the snapshot the re-read takes is then the newest thing
  // known when the DELETE call goes out (the asset_id in that call already guards against replacement)
  const found = await input.storage.lookup(input.partition, input.batch.map((a) => a.publicId));
  const now = new Map(found.map((a) => [a.publicId, a]));
  const unchanged: StoredAsset[] = [];
  for (const asset of input.batch) {
    const current = now.get(asset.publicId);
    const changes = current ? differences(asset, current) : [];
    if (!current) held.push({ asset, outcome: 'not_found' });
    else if (changes.length) held.push({ asset, outcome: `skipped:replaced_before_delete (${changes.join(', ')})` });
    else unchanged.push(asset);
  }
  const referenced = unchanged.length ? await input.referencedNow(unchanged) : new Set<StoredAsset>();
  const ready: StoredAsset[] = [];
  for (const asset of unchanged) {
    if (referenced.has(asset)) held.push({ asset, outcome: 'skipped:referenced' });
    else ready.push(asset);
  }
  return { ready, held };
}

/** What tells the reviewed file from the one there now; an asset without asset_id cannot be matched. */
export function differences(reviewed: StoredAsset, current: StoredAsset): string[] {
  const out: string[] = [];
  const compare = (what: string, a: unknown, b: unknown) => {
    if (a !== b) out.push(`${what} ${String(a ?? '?')} → ${String(b ?? '?')}`);
  };
  if (!reviewed.assetId || !current.assetId) out.push('no asset_id to match');
  else compare('asset_id', reviewed.assetId, current.assetId);
  compare('version', reviewed.version, current.version);
  compare('bytes', reviewed.bytes, current.bytes);
  if (Date.parse(reviewed.createdAt) !== Date.parse(current.createdAt)) compare('created_at', reviewed.createdAt, current.createdAt);
  return out;
}
