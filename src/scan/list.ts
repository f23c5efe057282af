/**
 * Lists the account partition by partition: each partition is one sequential cursor chain,
 * partitions run in parallel under LIST_CONCURRENCY. Pages are handed on as they arrive and
 * never held.
 */
import pLimit from 'p-limit';
import { LIST_PAGE_SIZE } from '../storage/cloudinary/client.js';
import { partitionKey, type Partition, type StorageClient, type StoredAsset } from '../storage/types.js';
import type { PartitionStatus } from '../audit/result.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';

/** Parallel cursor chains. Cloudinary's budget counts calls, not connections, so this only trades wall time. */
export const LIST_CONCURRENCY = 4;

export interface ListOptions {
  partitions: Partition[];
  prefix?: string;
  /** Only assets created at or after this are handed on (the --days window). */
  since?: Date;
  signal?: AbortSignal;
  log: Logger;
}

export interface ListOutcome {
  partitions: PartitionStatus[];
  /** Partitions whose whole (prefix-limited) content was listed: absence there is proof. */
  fullyListed: Partition[];
  stop?: Stop;
}

export async function listPartitions(
  storage: StorageClient,
  options: ListOptions,
  onAsset: (asset: StoredAsset) => void,
): Promise<ListOutcome> {
  const limit = pLimit(LIST_CONCURRENCY);
  const statuses: PartitionStatus[] = [];
  const fullyListed: Partition[] = [];
  let stop: Stop | undefined;
  let total = 0;
  const sinceMs = options.since?.getTime();

  const listOne = async (partition: Partition) => {
    const status: PartitionStatus = { partition: partitionKey(partition), pages: 0, listed: 0, complete: false };
    statuses.push(status);
    let cursor: string | undefined;
    let reachedWindowEnd = false;
    try {
      do {
        if (stop) return;
        options.signal?.throwIfAborted();
        const page = await storage.listPage({ partition, cursor, prefix: options.prefix, maxResults: LIST_PAGE_SIZE });
        status.pages++;
        for (const asset of page.assets) {
          const created = Date.parse(asset.createdAt);
          if (sinceMs !== undefined && created < sinceMs) {
            // newest first without a prefix: everything after this is older still
            if (!options.prefix) reachedWindowEnd = true;
            continue;
          }
          status.listed++;
          total++;
          onAsset(asset);
        }
        cursor = page.nextCursor;
        options.log.progress(`listed ${total.toLocaleString('en-US')} assets (${status.partition}: page ${status.pages})`);
      } while (cursor && !reachedWindowEnd);
      status.complete = true;
      if (sinceMs === undefined || options.prefix) fullyListed.push(partition);
    } catch (err) {
      const s = asStop(err, options.signal);
      if (!s) throw err;
      stop ??= s;
    }
  };

  await Promise.all(options.partitions.map((p) => limit(() => listOne(p))));
  statuses.sort((a, b) => a.partition.localeCompare(b.partition));
  return { partitions: statuses, fullyListed, stop };
}
