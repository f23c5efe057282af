/**
 * Lists the account as cursor chains: one chain per resource type (every delivery type at once)
 * or per partition when --type narrows the scan, optionally split into created_at windows through
 * the Search API so one long chain is not the bottleneck. Chains run in parallel under
 * LIST_CONCURRENCY; pages are handed on as they arrive and never held. A chain's state (cursor,
 * pages) is plain data, so a stopped scan can be checkpointed and resumed mid-chain.
 */
import pLimit from 'p-limit';
import { partitionKey, type ListTarget, type Partition, type StoredAsset } from '../storage/types.js';
import type { StorageBackend } from '../storage/backend.js';
import type { PartitionStatus } from '../audit/result.js';
import type { Logger } from '../log.js';
import { asStop, type Stop } from './stop.js';
import type { BudgetWaiter } from './wait.js';

/**
 * Chains listed at once when the caller names no concurrency. The backend's own limiter
 * (src/storage/limiter.ts) decides how many calls are really in flight; this only has to be at
 * least that, so every window keeps a call going.
 */
export const LIST_CONCURRENCY = 16;

/**
 * Automatic windows hold at least this many pages each: a window ends on a page that overshoots
 * into the next one (about half a page wasted per boundary), so 20 pages keep that waste near
 * 2.5 % of the listing.
 */
export const MIN_WINDOW_PAGES = 20;

/** A running Admin window is split only when about this many pages are left for each part. */
export const MIN_SPLIT_PAGES = MIN_WINDOW_PAGES / 2;

/** Automatic windows are used only when the whole listing with them takes at most this share of the usable budget. */
export const WINDOW_BUDGET_SHARE = 0.8;

export interface Chain {
  /** "image/*", "image/upload", or with a window "image/*@2" (window 2). */
  key: string;
  target: ListTarget;
  /**
   * An upload-time window, from ≤ created_at < to, in ms; open-ended where absent. `via: 'list'`:
   * the Admin listing from `from` (start_at), oldest first, which proves absence like a whole
   * listing; otherwise the Search API, which never does. None: the whole Admin listing.
   */
  window?: ChainWindow;
  cursor?: string;
  pages: number;
  listed: number;
  complete: boolean;
  /** An Admin window: the first and last created_at it listed (ms), for splitting what is left of it. */
  first?: number;
  at?: number;
  /** The newest upload the plan saw in this chain's target: where the split of an open-ended window aims. */
  upper?: number;
  /** An Admin window: the created_at of the last asset its listing returned (order check). */
  prev?: number;
}

export interface ChainWindow {
  from?: number;
  to?: number;
  via?: 'list' | 'search';
  /**
   * The Admin listing from `from` was seen out of created_at order: the window no longer stops at
   * `to` (it is listed to the end of its cursor, still keeping only [from, to)) and is not split.
   */
  unordered?: boolean;
}

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

/** The delivery types the backend has for a resource type (its partitions say; nothing assumes 3×3). */
const typesOf = (partitions: readonly Partition[], resourceType: Partition['resourceType']): Partition['type'][] =>
  partitions.filter((p) => p.resourceType === resourceType).map((p) => p.type);

/** The chains for a scope: a resource type at once when every delivery type it has is wanted. */
export function baseTargets(resourceTypes: readonly Partition['resourceType'][], types: readonly Partition['type'][], partitions: readonly Partition[]): ListTarget[] {
  const allTypes = (resourceType: Partition['resourceType']) => typesOf(partitions, resourceType).every((t) => types.includes(t));
  return resourceTypes.flatMap((resourceType) => (allTypes(resourceType) ? [{ resourceType }] : types.map((type) => ({ resourceType, type }))));
}

export function newChain(target: ListTarget, window?: ChainWindow, n?: number): Chain {
  return { key: partitionKey(target) + (n === undefined ? '' : `@${n}`), target, window, pages: 0, listed: 0, complete: false };
}

/**
 * Splits [from, to) into `count` half-open windows of equal length on whole seconds; the first
 * is open below (unless `from` bounds the scan) and the last open above, so together they cover
 * every instant exactly once: each boundary is the `to` of one window and the `from` of the next.
 */
export function splitWindows(from: number, to: number, count: number, openBelow: boolean): ChainWindow[] {
  const second = (ms: number) => Math.floor(ms / 1000) * 1000;
  const bounds: number[] = [];
  for (let i = 1; i < count; i++) bounds.push(second(from + ((to - from) * i) / count));
  const unique = [...new Set(bounds)].filter((b) => b > from && b < to).sort((a, b) => a - b);
  const edges: Array<number | undefined> = [openBelow ? undefined : from, ...unique, undefined];
  const windows: ChainWindow[] = [];
  for (let i = 0; i + 1 < edges.length; i++) windows.push({ ...(edges[i] !== undefined ? { from: edges[i] } : {}), ...(edges[i + 1] !== undefined ? { to: edges[i + 1] } : {}) });
  return windows;
}

/** Why the listing was or was not split, for the plan and the summary. */
export interface WindowChoice {
  /** Chains split into windows, and the windows they became. */
  split: number;
  windows: number;
  /** Calls the splitting costs over listing each chain whole: the probes, about half a page per boundary. */
  extraCalls: number;
  reason: string;
  /** Set when windows would have helped but the budget left was too tight for them. */
  budgetTight?: boolean;
}

export interface PlanChainsOptions {
  /** A number: split chains of more than that many pages into that many windows (--windows); 'auto': as the budget allows. */
  windows: number | 'auto';
  concurrency: number;
  since?: Date;
  prefix?: string;
  now: Date;
  /** Assets in the account (the usage report), when known: a small account is not probed at all. */
  assets?: number;
  /** Calls usable before the stop threshold, when the store reports a budget. */
  usable?: number;
}

/**
 * Plans the chains of the targets. With 'auto', a target is listed by the Admin API from its
 * oldest upload (start_at), as one window that the listing splits while it runs (see listChains),
 * when: the backend lists from a time (so windows still prove absence), the account is large
 * enough for windows of MIN_WINDOW_PAGES (the usage report says, before any probe), and the listing
 * with its extra calls fits comfortably (WINDOW_BUDGET_SHARE) in the budget left. One Search call
 * per target (its first page: the total and the newest upload) says which targets are long and
 * where their uploads end. With a number N, chains of more than N pages are split into N windows
 * evenly in time from the oldest upload (a Search call per target for it) to now.
 */
export async function planChains(storage: StorageBackend, targets: ListTarget[], options: PlanChainsOptions): Promise<{ chains: Chain[]; choice: WindowChoice }> {
  const whole = (reason: string, budgetTight?: boolean) => ({ chains: targets.map((t) => newChain(t)), choice: { split: 0, windows: 0, extraCalls: 0, reason, ...(budgetTight ? { budgetTight } : {}) } });
  const fixed = options.windows === 'auto' ? undefined : options.windows;
  const auto = fixed === undefined;
  const pageSize = storage.limits.pageSize;
  if (fixed !== undefined && fixed <= 1) return whole('--windows 1');
  if (options.prefix) return whole('a prefix listing is ordered by public_id, not split in time');
  if (!storage.searchPage) return whole(`${storage.name} has no time windows`);
  if (auto && !storage.limits.listsFrom) return whole(`${storage.name} cannot list from a time, and search windows would cost lookups`);
  if (auto && options.concurrency <= 1) return whole('--concurrency 1');
  if (auto && options.assets !== undefined && options.assets < pageSize * MIN_WINDOW_PAGES * 2) {
    return whole(`${options.assets.toLocaleString('en-US')} asset(s) list quickly without windows`);
  }
  if (auto && options.usable !== undefined) {
    const listing = Math.ceil((options.assets ?? 0) / pageSize) + targets.length;
    const extra = targets.length + Math.ceil(options.concurrency / 2);
    if (listing + extra > options.usable * WINDOW_BUDGET_SHARE) {
      return whole(`the budget left (${options.usable.toLocaleString('en-US')} usable call(s)) does not comfortably cover the listing and about ${extra} more call(s) for windows`, true);
    }
  }
  const via: ChainWindow['via'] = storage.limits.listsFrom ? 'list' : 'search';
  const chains: Chain[] = [];
  let split = 0;
  let windows = 0;
  let extraCalls = 0;
  // one round trip for every probe
  const search = storage.searchPage.bind(storage);
  const probes = await Promise.all(targets.map((target) => search({ target, from: options.since, direction: auto ? 'desc' : 'asc', maxResults: 1 })));
  for (const [i, target] of targets.entries()) {
    const probe = probes[i]!;
    extraCalls++;
    const edge = probe.assets[0] ? Date.parse(probe.assets[0].createdAt) : NaN;
    const pages = Math.ceil((probe.totalCount ?? 0) / pageSize);
    if (auto) {
      if (pages < MIN_WINDOW_PAGES * 2 || Number.isNaN(edge)) {
        chains.push(newChain(target));
        continue;
      }
      const chain = newChain(target, { ...(options.since ? { from: options.since.getTime() } : {}), via: 'list' }, 0);
      chain.upper = edge + 1000;
      chains.push(chain);
      const parts = Math.min(options.concurrency, Math.floor(pages / MIN_WINDOW_PAGES));
      split++;
      windows += parts;
      extraCalls += Math.ceil((parts - 1) / 2);
      continue;
    }
    if (pages <= fixed || Number.isNaN(edge)) {
      chains.push(newChain(target));
      continue;
    }
    const from = options.since?.getTime() ?? edge;
    const parts = splitWindows(from, options.now.getTime(), fixed, !options.since);
    parts.forEach((w, n) => chains.push(newChain(target, { ...w, via }, n)));
    split++;
    windows += parts.length;
    extraCalls += Math.ceil((parts.length - 1) / 2);
  }
  const reason = split
    ? `${split} chain(s) split into ${auto ? 'about ' : ''}${windows} upload-time window(s) listed in parallel (about ${extraCalls} extra call(s)${options.usable !== undefined ? ', well within the budget left' : ''})`
    : 'no chain is long enough to split';
  return { chains, choice: { split, windows, extraCalls, reason } };
}

/**
 * Splits what is left of a running Admin window into `parts` windows evenly in time, from the
 * second after the last upload it listed to its end (or the newest upload the plan saw). The
 * window keeps the first part; its `to` moves down, so a page already in flight drops what now
 * belongs to the next part. Returns the new chains (none when the span is too short to split).
 */
export function splitRunning(chain: Chain, parts: number, now: number, keyOf: () => string): Chain[] {
  const w = chain.window;
  if (!w || w.via !== 'list' || w.unordered || chain.complete || chain.at === undefined || parts < 2) return [];
  const lo = Math.floor(chain.at / 1000) * 1000 + 1000;
  const hi = w.to ?? Math.max(chain.upper ?? now, lo + 1000);
  if (hi - lo < 1000) return [];
  const bounds = splitWindows(lo, hi, parts, false)
    .map((p) => p.from)
    .filter((b): b is number => b !== undefined && b > lo && b < hi);
  const edges = [...new Set(bounds)].sort((a, b) => a - b);
  if (!edges.length) return [];
  const end = w.to;
  const out: Chain[] = [];
  edges.forEach((from, i) => {
    const to = i + 1 < edges.length ? edges[i + 1] : end;
    const c = newChain(chain.target, { from, ...(to !== undefined ? { to } : {}), via: 'list' });
    c.key = keyOf();
    if (chain.upper !== undefined) c.upper = chain.upper;
    out.push(c);
  });
  w.to = edges[0];
  return out;
}

export async function listChains(
  storage: StorageBackend,
  chains: Chain[],
  options: ListOptions,
  onAsset: (asset: StoredAsset) => void,
): Promise<ListOutcome> {
  const concurrency = options.concurrency ?? LIST_CONCURRENCY;
  const limit = pLimit(concurrency);
  let stop: Stop | undefined;
  /** The first error that is not a stop: every chain ends at its next step, then it is rethrown. */
  let failure: { error: unknown } | undefined;
  let total = 0;
  const sinceMs = options.since?.getTime();

  const fetchPage = (chain: Chain) => {
    const w = chain.window;
    if (!w) return storage.listPage({ partition: chain.target, cursor: chain.cursor, prefix: options.prefix, maxResults: storage.limits.pageSize });
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
            if (!options.prefix) reachedWindowEnd = true;
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
 * Absence is proven only by a complete Admin listing that was not cut short by --days (a prefix
 * listing is ordered by public_id, so it is whole for its prefix). Search windows never prove
 * absence: the search index may lag behind uploads, so what they did not return is looked up.
 */
function fullyListed(chains: Chain[], options: ListOptions, partitions: readonly Partition[]): ListOutcome['fullyListed'] {
  const out: ListOutcome['fullyListed'] = [];
  if (options.since && !options.prefix) return out;
  // a target is whole when every chain of it is complete and none is a search window
  const byTarget = new Map<string, Chain[]>();
  for (const c of chains) byTarget.set(partitionKey(c.target), [...(byTarget.get(partitionKey(c.target)) ?? []), c]);
  for (const group of byTarget.values()) {
    if (!group.every((c) => c.complete && (!c.window || c.window.via === 'list'))) continue;
    // Admin windows cover every instant only when they start open below and end open above
    const windows = group.filter((c) => c.window);
    if (windows.length && !coversAllTime(windows.map((c) => c.window!))) continue;
    const target = group[0]!.target;
    const types = target.type ? [target.type] : typesOf(partitions, target.resourceType);
    for (const type of types) out.push({ partition: { resourceType: target.resourceType, type }, prefix: options.prefix ?? '' });
  }
  return out;
}

/** Windows that, sorted, start open below, meet edge to edge, and end open above. */
export function coversAllTime(windows: readonly ChainWindow[]): boolean {
  const sorted = [...windows].sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity));
  if (sorted[0]?.from !== undefined || sorted[sorted.length - 1]?.to !== undefined) return false;
  for (let i = 0; i + 1 < sorted.length; i++) if (sorted[i]!.to === undefined || sorted[i]!.to !== sorted[i + 1]!.from) return false;
  return true;
}

export function chainStatuses(chains: Chain[]): PartitionStatus[] {
  return chains.map((c) => ({ partition: c.key, pages: c.pages, listed: c.listed, complete: c.complete })).sort((a, b) => a.partition.localeCompare(b.partition));
}
