/**
 * Lists the account as cursor chains: one chain per resource type (every delivery type at once)
 * or per partition when --type narrows the scan, optionally split into created_at windows through
 * the Search API so one long chain is not the bottleneck. Chains run in parallel under
 * LIST_CONCURRENCY; pages are handed on as they arrive and never held. A chain's state (cursor,
 * pages) is plain data, so a stopped scan can be checkpointed and resumed mid-chain.
 */
import pLimit from 'p-limit';
import { partitionKey, type ListTarget, type Partition, type SetApart, type StoredAsset } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { PartitionStatus } from '../audit/result.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';

/**
 * Parallel cursor chains. Cloudinary's budget counts calls, not connections, so this only trades
 * wall time; 6 keeps the windows of a split partition and the smaller partitions moving together.
 */
export const LIST_CONCURRENCY = 6;

export interface Chain {
  /** "image/*", "image/upload", or with a window "image/*@2" (window 2). */
  key: string;
  target: ListTarget;
  /** Search API window, from ≤ created_at < to, in ms; open-ended where absent. None: the Admin listing. */
  window?: { from?: number; to?: number };
  cursor?: string;
  pages: number;
  listed: number;
  complete: boolean;
  /** Parts the store could not list: a chain with gaps never proves absence. */
  gaps?: number;
}

export interface ListOptions {
  prefix?: string;
  /** Only assets created at or after this are handed on (the --days window). */
  since?: Date;
  signal?: AbortSignal;
  log: Logger;
  waiter?: BudgetWaiter;
}

export interface ListOutcome {
  /** Partitions whose whole (prefix-limited) content was listed: absence there is proof. */
  fullyListed: Array<{ partition: Partition; prefix: string }>;
  stop?: Stop;
}

/** What a listing set apart, counted, with the first few named. */
export interface Tallied {
  count: number;
  samples: SetApart[];
}

/** Named entries kept per kind of thing set apart (the JSON report; counts are exact). */
export const APART_SAMPLES = 100;

/** Where listChains hands what pages set apart (src/scan/state.ts keeps it). */
export interface ListExtras {
  apart: Tallied;
  gaps: Tallied;
  notes: string[];
}

export const newExtras = (): ListExtras => ({ apart: { count: 0, samples: [] }, gaps: { count: 0, samples: [] }, notes: [] });

function tally(t: Tallied, items: SetApart[] | undefined): void {
  for (const item of items ?? []) {
    t.count++;
    if (t.samples.length < APART_SAMPLES) t.samples.push(item);
  }
}

/** The delivery types the backend has for a resource type (its partitions say; nothing assumes 3×3). */
const typesOf = (partitions: readonly Partition[], resourceType: Partition['resourceType']): Partition['type'][] =>
  partitions.filter((p) => p.resourceType === resourceType).map((p) => p.type);

/** The chains for a scope: a resource type at once when every delivery type it has is wanted. */
export function baseTargets(resourceTypes: readonly Partition['resourceType'][], types: readonly Partition['type'][], partitions: readonly Partition[]): ListTarget[] {
  const allTypes = (resourceType: Partition['resourceType']) => typesOf(partitions, resourceType).every((t) => types.includes(t));
  return resourceTypes.flatMap((resourceType) => (allTypes(resourceType) ? [{ resourceType }] : types.map((type) => ({ resourceType, type }))));
}

export function newChain(target: ListTarget, window?: Chain['window'], n?: number): Chain {
  return { key: partitionKey(target) + (n === undefined ? '' : `@${n}`), target, window, pages: 0, listed: 0, complete: false };
}

/**
 * Splits [from, to) into `count` half-open windows of equal length on whole seconds; the first
 * is open below (unless `from` bounds the scan) and the last open above, so together they cover
 * every instant exactly once: each boundary is the `to` of one window and the `from` of the next.
 */
export function splitWindows(from: number, to: number, count: number, openBelow: boolean): Array<{ from?: number; to?: number }> {
  const second = (ms: number) => Math.floor(ms / 1000) * 1000;
  const bounds: number[] = [];
  for (let i = 1; i < count; i++) bounds.push(second(from + ((to - from) * i) / count));
  const unique = [...new Set(bounds)].filter((b) => b > from && b < to).sort((a, b) => a - b);
  const edges: Array<number | undefined> = [openBelow ? undefined : from, ...unique, undefined];
  const windows: Array<{ from?: number; to?: number }> = [];
  for (let i = 0; i + 1 < edges.length; i++) windows.push({ ...(edges[i] !== undefined ? { from: edges[i] } : {}), ...(edges[i + 1] !== undefined ? { to: edges[i + 1] } : {}) });
  return windows;
}

/**
 * Plans the chains of one target: when it holds more than `windows` pages, a probe through the
 * Search API (one call: the oldest asset and the total) places window boundaries evenly in time.
 */
export async function planChains(
  storage: StorageBackend,
  targets: ListTarget[],
  options: { windows: number; since?: Date; prefix?: string; now: Date },
): Promise<Chain[]> {
  const chains: Chain[] = [];
  for (const target of targets) {
    if (options.windows <= 1 || options.prefix || !storage.searchPage) {
      chains.push(newChain(target));
      continue;
    }
    const probe = await storage.searchPage({ target, from: options.since, direction: 'asc', maxResults: 1 });
    const oldest = probe.assets[0] ? Date.parse(probe.assets[0].createdAt) : NaN;
    if ((probe.totalCount ?? 0) <= storage.limits.pageSize * options.windows || Number.isNaN(oldest)) {
      chains.push(newChain(target));
      continue;
    }
    const from = options.since?.getTime() ?? oldest;
    splitWindows(from, options.now.getTime(), options.windows, !options.since).forEach((w, i) => chains.push(newChain(target, w, i)));
  }
  return chains;
}

export async function listChains(
  storage: StorageBackend,
  chains: Chain[],
  options: ListOptions,
  onAsset: (asset: StoredAsset) => void,
  extras: ListExtras = newExtras(),
): Promise<ListOutcome> {
  const newestFirst = (storage.listOrder ?? 'newest-first') === 'newest-first';
  const limit = pLimit(LIST_CONCURRENCY);
  let stop: Stop | undefined;
  /** The first error that is not a stop: every chain ends at its next step, then it is rethrown. */
  let failure: { error: unknown } | undefined;
  let total = 0;
  const sinceMs = options.since?.getTime();

  const fetchPage = (chain: Chain) =>
    chain.window
      ? storage.searchPage!({
          target: chain.target,
          from: chain.window.from !== undefined ? new Date(chain.window.from) : undefined,
          to: chain.window.to !== undefined ? new Date(chain.window.to) : undefined,
          cursor: chain.cursor,
          direction: 'desc',
          maxResults: storage.limits.pageSize,
        })
      : storage.listPage({ partition: chain.target, cursor: chain.cursor, prefix: options.prefix, maxResults: storage.limits.pageSize });

  const run = async (chain: Chain) => {
    while (!chain.complete) {
      if (stop || failure) return;
      try {
        options.signal?.throwIfAborted();
        const page = await fetchPage(chain);
        chain.pages++;
        tally(extras.apart, page.apart);
        tally(extras.gaps, page.gaps);
        if (page.gaps?.length) chain.gaps = (chain.gaps ?? 0) + page.gaps.length;
        for (const note of page.notes ?? []) if (extras.notes.length < APART_SAMPLES) extras.notes.push(note);
        let reachedWindowEnd = false;
        for (const asset of page.assets) {
          if (sinceMs !== undefined && !chain.window && Date.parse(asset.createdAt) < sinceMs) {
            // newest first without a prefix: everything after this is older still
            if (!options.prefix && newestFirst) reachedWindowEnd = true;
            continue;
          }
          chain.listed++;
          total++;
          onAsset(asset);
        }
        chain.cursor = page.nextCursor;
        if (!page.nextCursor || reachedWindowEnd) {
          chain.complete = true;
          chain.cursor = undefined;
        }
        options.log.progress(`listed ${total.toLocaleString('en-US')} assets (${chain.key}: page ${chain.pages})`);
      } catch (err) {
        if (failure) return;
        if (options.waiter && (await options.waiter.waitAfter(err))) continue;
        const s = asStop(err, options.signal);
        if (!s) {
          failure = { error: err };
          return;
        }
        stop ??= s;
      }
    }
  };

  // every chain settles before a failure is rethrown: none may call the API (or log a retry)
  // after the caller has reported the error and closed the connection pool
  await Promise.all(chains.map((c) => limit(() => run(c))));
  if (failure) throw failure.error;
  return { fullyListed: fullyListed(chains, options, storage.partitions), stop };
}

/**
 * Absence is proven only by a complete Admin listing that was not cut short by --days (a prefix
 * listing is ordered by public_id, so it is whole for its prefix). Search windows never prove
 * absence: the search index may lag behind uploads, so what they did not return is looked up.
 */
function fullyListed(chains: Chain[], options: ListOptions, partitions: readonly Partition[]): ListOutcome['fullyListed'] {
  const out: ListOutcome['fullyListed'] = [];
  if (options.since && !options.prefix) return out;
  for (const c of chains) {
    if (!c.complete || c.window || c.gaps) continue;
    const types = c.target.type ? [c.target.type] : typesOf(partitions, c.target.resourceType);
    for (const type of types) out.push({ partition: { resourceType: c.target.resourceType, type }, prefix: options.prefix ?? '' });
  }
  return out;
}

export function chainStatuses(chains: Chain[]): PartitionStatus[] {
  return chains.map((c) => ({ partition: c.key, pages: c.pages, listed: c.listed, complete: c.complete })).sort((a, b) => a.partition.localeCompare(b.partition));
}
