/**
 * A scan allocates far more than it keeps: every listing page is a quarter-megabyte answer parsed
 * into objects, used once and dropped. Measured at a million assets (process.memoryUsage() and
 * the gc performance entries), V8 let the old generation grow to about four times the live heap
 * between two full collections: 1.36 GB used before a collection that left 126 MB, with no full
 * collection for the 100 s of the listing in between. Capping the growth factor makes full
 * collections come sooner (each costs tens of milliseconds, off the latency-bound critical path)
 * and keeps the peak near the live size. The flag is read at every collection, so setting it at
 * run time takes effect from the next one.
 */
import v8 from 'node:v8';

/** The old generation may grow to (1 + this / 100) × the live heap before the next full collection. */
export const HEAP_GROWING_PERCENT = 30;

export function boundHeapGrowth(percent = HEAP_GROWING_PERCENT): void {
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
}
