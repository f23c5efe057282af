/**
 * Lists the account as cursor chains: one chain per resource type (every delivery type at once)
 * or per partition when --type narrows the scan, long ones split into upload-time windows
 * (src/scan/windows.ts) so one chain is not the bottleneck, and split further while they run. Up to
 * the concurrency of chains run at once; pages are handed on as they arrive and never held. A
 * chain's state (src/scan/chain.ts) is plain data, so a stopped scan checkpoints and resumes mid-chain.
 */
import pLimit from 'p-limit';
import { partitionKey, type ListTarget, type Partition, type SetApart, type StoredAsset } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { PartitionStatus } from '../audit/result.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';
import type { Chain, ChainWindow } from './chain.js';
import { coversAllTime, MIN_SPLIT_PAGES, splitRunning } from './windows.js';

export { newChain, type Chain, type ChainWindow } from './chain.js';
export { coversAllTime, MIN_SPLIT_PAGES, MIN_WINDOW_PAGES, planChains, splitRunning, splitWindows, WINDOW_BUDGET_SHARE, type PlanChainsOptions, type WindowChoice } from './windows.js';

/**
 * Chains listed at once when the caller names no concurrency. The backend's own limiter
 * (src/storage/limiter.ts) decides how many calls are really in flight; this only has to be at
 * least that, so every window keeps a call going.
 */
export const LIST_CONCURRENCY = 16;

export interface ListOptions {
  prefix?: string;
  /** Only assets created at or after this are handed on (the --days window). */
  since?: Date;
  signal?: AbortSignal;
  log: Logger;
  waiter?: BudgetWaiter;
  /** Chains listed at once (LIST_CONCURRENCY). */
  concurrency?: number;
  /** Split running Admin windows while chains are fewer than the concurrency (automatic windows). */
  split?: boolean;
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

export async function listChains(
  storage: StorageBackend,
  chains: Chain[],
  options: ListOptions,
  onAsset: (asset: StoredAsset) => void,
  extras: ListExtras = newExtras(),
): Promise<ListOutcome> {
  const newestFirst = (storage.listOrder ?? 'newest-first') === 'newest-first';
  const concurrency = options.concurrency ?? LIST_CONCURRENCY;
  const limit = pLimit(concurrency);
  let stop: Stop | undefined;
  /** The first error that is not a stop: every chain ends at its next step, then it is rethrown. */
  let failure: { error: unknown } | undefined;
  let total = 0;
  const sinceMs = options.since?.getTime();

  const fetchPage = (chain: Chain) => {
    const w = chain.window;
    if (!w) return storage.listPage({ partition: chain.target, cursor: chain.cursor, prefix: options.prefix, maxResults: storage.limits.pageSize, since: options.since });
    if (w.via === 'list') {
      // a second early: were start_at's bound exclusive or rounded, nothing on `from` is lost (filtered below)
      const startAt = w.from !== undefined ? new Date(w.from - 1000) : new Date(0);
      return storage.listPage({ partition: chain.target, cursor: chain.cursor, startAt, maxResults: storage.limits.pageSize });
    }
    return storage.searchPage!({
      target: chain.target,
      from: w.from !== undefined ? new Date(w.from) : undefined,
      to: w.to !== undefined ? new Date(w.to) : undefined,
      cursor: chain.cursor,
      direction: 'desc',
      maxResults: storage.limits.pageSize,
    });
  };

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
        // an entry set apart (a folder's symlink) is not listed, yet a reference may name it or a path through it:
        // such a listing proves no absence, so what it did not show is looked at (a link counts as present)
        if (page.apart?.length) chain.gaps = (chain.gaps ?? 0) + page.apart.length;
        for (const note of page.notes ?? []) if (extras.notes.length < APART_SAMPLES) extras.notes.push(note);
        let reachedWindowEnd = false;
        const w = chain.window?.via === 'list' ? chain.window : undefined;
        let pastEnd = false;
        for (const asset of page.assets) {
          if (w) {
            // oldest first: each asset belongs to exactly the window whose [from, to) holds its created_at
            const at = Date.parse(asset.createdAt);
            if (Number.isNaN(at) || (chain.prev !== undefined && at < chain.prev)) unordered(chain, w);
            if (Number.isNaN(at)) {
              // no time to place it by: only the window open below keeps it, so no other lists it twice
              if (w.from !== undefined) continue;
            } else {
              chain.prev = at;
              if (w.to !== undefined && !(at < w.to)) {
                pastEnd = true;
                continue;
              }
              if (w.from !== undefined && !(at >= w.from)) continue;
            }
          } else if (sinceMs !== undefined && !chain.window && Date.parse(asset.createdAt) < sinceMs) {
            // newest first without a prefix: everything after this is older still
            if (!options.prefix && newestFirst) reachedWindowEnd = true;
            continue;
          }
          if (w) {
            const at = Date.parse(asset.createdAt);
            if (!Number.isNaN(at)) {
              chain.first ??= at;
              chain.at = Math.max(chain.at ?? at, at);
            }
          }
          chain.listed++;
          total++;
          onAsset(asset);
        }
        // an unordered window cannot trust that nothing of it comes after its upper bound
        if (pastEnd && !w?.unordered) reachedWindowEnd = true;
        chain.cursor = page.nextCursor;
        if (!page.nextCursor || reachedWindowEnd) {
          chain.complete = true;
          chain.cursor = undefined;
        }
        balance();
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

  function unordered(chain: Chain, w: ChainWindow): void {
    if (w.unordered) return;
    w.unordered = true;
    options.log.warn(`${chain.key}: the listing from a time did not come oldest first; this window is listed to its end rather than stopping at its upper bound (more calls, nothing missed)`);
  }

  const tasks: Array<Promise<void>> = [];
  const start = (c: Chain) => tasks.push(limit(() => run(c)));

  /** Pages left in a running Admin window, from how densely its listed part was uploaded. */
  const pagesLeft = (c: Chain): number => {
    if (c.complete || c.window?.via !== 'list' || c.window.unordered || c.at === undefined || c.first === undefined) return 0;
    const end = c.window.to ?? c.upper ?? Date.now();
    const density = c.listed / Math.max(1000, c.at - c.first);
    return (density * Math.max(0, end - c.at)) / storage.limits.pageSize;
  };
  /** Fresh keys for the windows split off a target: the next numbers after those it has. */
  const keyOf = (target: ListTarget) => {
    const base = partitionKey(target);
    const taken = chains.filter((c) => c.key.startsWith(`${base}@`)).map((c) => Number(c.key.slice(base.length + 1)));
    let next = Math.max(-1, ...taken) + 1;
    return () => `${base}@${next++}`;
  };
  /** While fewer chains run than the concurrency, the window with the most left gives up its later part. */
  function balance(): void {
    if (!options.split || stop || failure) return;
    let free = concurrency - limit.activeCount - limit.pendingCount;
    while (free > 0) {
      const best = chains.map((c) => ({ c, left: pagesLeft(c) })).sort((x, y) => y.left - x.left)[0];
      if (!best || best.left < MIN_SPLIT_PAGES * 2) return;
      const parts = Math.min(free + 1, Math.floor(best.left / MIN_SPLIT_PAGES));
      const added = splitRunning(best.c, parts, Date.now(), keyOf(best.c.target));
      if (!added.length) return;
      for (const c of added) {
        chains.push(c);
        start(c);
      }
      free -= added.length;
    }
  }

  // every chain settles before a failure is rethrown: none may call the API (or log a retry)
  // after the caller has reported the error and closed the connection pool; split-off chains
  // join the list while it is awaited
  chains.filter((c) => !c.complete).forEach(start);
  for (let i = 0; i < tasks.length; i++) await tasks[i];
  if (failure) throw failure.error;
  return { fullyListed: fullyListed(chains, options, storage.partitions), stop };
}

/**
 * Absence is proven only by a complete Admin listing with no --days filter: a prefix listing is
 * whole for its prefix, but with --days the older assets it skipped were never recorded as
 * existing, so what the references need is looked up. Search windows never prove absence: the
 * search index may lag behind uploads, so what they did not return is looked up.
 */
function fullyListed(chains: Chain[], options: ListOptions, partitions: readonly Partition[]): ListOutcome['fullyListed'] {
  const out: ListOutcome['fullyListed'] = [];
  if (options.since) return out;
  // a target is whole when every chain of it is complete, without gaps, and none is a search window
  const byTarget = new Map<string, Chain[]>();
  for (const c of chains) byTarget.set(partitionKey(c.target), [...(byTarget.get(partitionKey(c.target)) ?? []), c]);
  for (const group of byTarget.values()) {
    if (!group.every((c) => c.complete && !c.gaps && (!c.window || c.window.via === 'list'))) continue;
    // Admin windows cover every instant only when they start open below and end open above
    const windows = group.filter((c) => c.window);
    if (windows.length && !coversAllTime(windows.map((c) => c.window!))) continue;
    const target = group[0]!.target;
    const types = target.type ? [target.type] : typesOf(partitions, target.resourceType);
    for (const type of types) out.push({ partition: { resourceType: target.resourceType, type }, prefix: options.prefix ?? '' });
  }
  return out;
}

export function chainStatuses(chains: Chain[]): PartitionStatus[] {
  return chains.map((c) => ({ partition: c.key, pages: c.pages, listed: c.listed, complete: c.complete })).sort((a, b) => a.partition.localeCompare(b.partition));
}
