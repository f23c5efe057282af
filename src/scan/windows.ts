/**
 * Upload-time windows: how a long listing chain is cut into half-open created_at windows (planned
 * from one probe per resource type, or split while it runs), and when a set of windows covers all
 * time. Pure decisions over chains; the listing itself is src/scan/list.ts.
 */
import type { StorageBackend } from '../storage/backend.js';
import type { ListTarget } from '../storage/types.js';
import { newChain, type Chain, type ChainWindow } from './chain.js';

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

/** Windows that, sorted, start open below, meet edge to edge, and end open above. */
export function coversAllTime(windows: readonly ChainWindow[]): boolean {
  const sorted = [...windows].sort((a, b) => (a.from ?? -Infinity) - (b.from ?? -Infinity));
  if (sorted[0]?.from !== undefined || sorted[sorted.length - 1]?.to !== undefined) return false;
  for (let i = 0; i + 1 < sorted.length; i++) if (sorted[i]!.to === undefined || sorted[i]!.to !== sorted[i + 1]!.from) return false;
  return true;
}
