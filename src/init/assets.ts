/**
 * A sample of what the account holds, to recognise columns of bare public_ids: a value such as
 * `avatars/u42` looks like any other string until it names a real asset (or sits in a real folder).
 */
import { BudgetExhausted } from '../storage/budget.js';
import type { StorageBackend } from '../storage/backend.js';

/** Pages of 500, newest first, per partition: recent uploads are what rows point at; a few calls in all. */
export const ASSET_SAMPLE_PAGES = 2;

export interface AssetSample {
  ids: Set<string>;
  /** Every folder prefix of a sampled id (`a/b/c` gives `a` and `a/b`). */
  folders: Set<string>;
  /** Set when the listing stopped early (rate limit); the sample is partial. */
  stoppedBy?: string;
}

export function emptyAssetSample(): AssetSample {
  return { ids: new Set(), folders: new Set() };
}

export function addAssetId(sample: AssetSample, publicId: string): void {
  sample.ids.add(publicId);
  const parts = publicId.split('/');
  for (let i = 1; i < parts.length; i++) sample.folders.add(parts.slice(0, i).join('/'));
}

export async function sampleAssets(storage: StorageBackend, pages = ASSET_SAMPLE_PAGES): Promise<AssetSample> {
  const sample = emptyAssetSample();
  try {
    for (const partition of storage.partitions) {
      let cursor: string | undefined;
      for (let page = 0; page < pages; page++) {
        const result = await storage.listPage({ partition, cursor, maxResults: storage.limits.pageSize });
        for (const a of result.assets) addAssetId(sample, a.publicId);
        cursor = result.nextCursor;
        if (!cursor) break;
      }
    }
  } catch (err) {
    if (!(err instanceof BudgetExhausted)) throw err;
    sample.stoppedBy = err.message;
  }
  return sample;
}
