import type { EmulatorAsset } from './types.js';

/**
 * Index entry. The sort keys are copied out of the asset so comparisons never chase a second
 * object, and `deleted` lets removal be O(1): sorted arrays keep the entry as a tombstone until
 * enough accumulate to be worth compacting (splicing 1M-entry arrays per delete is too slow).
 */
export interface Rec {
  readonly asset: EmulatorAsset;
  readonly ms: number;
  readonly pid: string;
  readonly rt: string;
  readonly type: string;
  deleted: boolean;
}

export type Order = 'created' | 'public_id';
export type Direction = 'asc' | 'desc';

/** Only the fields an ordering compares; a cursor decodes into one of these. */
export interface SortKey {
  ms: number;
  pid: string;
  rt: string;
  type: string;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// Every ordering ends in (public_id, resource_type, type), which is unique, so orders are total
// and a keyset cursor identifies exactly one position.
export function compareCreated(a: SortKey, b: SortKey): number {
  return a.ms - b.ms || cmpStr(a.pid, b.pid) || cmpStr(a.rt, b.rt) || cmpStr(a.type, b.type);
}

export function comparePublicId(a: SortKey, b: SortKey): number {
  return cmpStr(a.pid, b.pid) || cmpStr(a.rt, b.rt) || cmpStr(a.type, b.type);
}

export function comparatorFor(order: Order): (a: SortKey, b: SortKey) => number {
  return order === 'created' ? compareCreated : comparePublicId;
}

/** First index in [lo, hi) where `pred` holds, for a predicate that is false…false true…true. */
function firstWhere(arr: readonly Rec[], lo: number, hi: number, pred: (r: Rec) => boolean): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (pred(arr[mid] as Rec)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

interface View {
  arr: Rec[];
  tombstones: number;
}

export interface ScanSpec {
  order: Order;
  dir: Direction;
  /** '*' (everything), a resource type, or `${resource_type}/${type}`. */
  scope: string;
  /** Resume strictly after this key (in scan direction). */
  after?: SortKey;
  /** created order only: created_at range in ms, bounds optional. */
  minMs?: number;
  minInclusive?: boolean;
  maxMs?: number;
  maxInclusive?: boolean;
  /** public_id order only: restrict to ids with this prefix. */
  prefix?: string;
  filter?: (a: EmulatorAsset) => boolean;
  /** Omit to count every match (no items are collected then). */
  limit?: number;
}

export interface ScanResult {
  items: EmulatorAsset[];
  /** Key of the last item returned; present only when more matches exist after it. */
  nextAfter?: SortKey;
  count: number;
}

const key = (rt: string, type: string, pid: string): string => `${rt}\u0000${type}\u0000${pid}`;

export class AssetStore {
  private readonly byKey = new Map<string, Rec>();
  /**
   * asset_id → key (asset_ids are global across resource and delivery types, like the real API's).
   * Built on the first lookup by asset_id, so bulk loads for benchmarks do not pay for it.
   */
  private byAssetId: Map<string, string> | undefined;
  /** Keyed by `${order}|${scope}`; scope '*' views are the source the scoped ones are filtered from. */
  private readonly views = new Map<string, View>();
  /** Entries added since each global view was sorted; merged in on next read. */
  private readonly pending: Record<Order, Rec[]> = { created: [], public_id: [] };
  private bytes = 0;
  /** Bumped on every mutation so callers can cache derived numbers (search total_count). */
  version = 0;

  get size(): number {
    return this.byKey.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(rt: string, type: string, pid: string): EmulatorAsset | undefined {
    return this.byKey.get(key(rt, type, pid))?.asset;
  }

  getByAssetId(assetId: string): EmulatorAsset | undefined {
    if (!this.byAssetId) {
      this.byAssetId = new Map();
      for (const [k, rec] of this.byKey) this.byAssetId.set(rec.asset.asset_id, k);
    }
    const k = this.byAssetId.get(assetId);
    return k === undefined ? undefined : this.byKey.get(k)?.asset;
  }

  all(): EmulatorAsset[] {
    return Array.from(this.byKey.values(), (r) => r.asset);
  }

  put(asset: EmulatorAsset, ms: number): void {
    const k = key(asset.resource_type, asset.type, asset.public_id);
    const old = this.byKey.get(k);
    if (old) {
      this.retire(old);
      this.byAssetId?.delete(old.asset.asset_id);
    }
    const rec: Rec = { asset, ms, pid: asset.public_id, rt: asset.resource_type, type: asset.type, deleted: false };
    this.byKey.set(k, rec);
    this.byAssetId?.set(asset.asset_id, k);
    this.bytes += asset.bytes;
    this.version++;
    if (this.views.size === 0) return;
    for (const order of ['created', 'public_id'] as const) {
      if (this.views.has(`${order}|*`)) this.pending[order].push(rec);
      // A scoped view can't absorb the new entry cheaply; rebuilding it from the global view is O(n) once.
      this.views.delete(`${order}|${rec.rt}`);
      this.views.delete(`${order}|${rec.rt}/${rec.type}`);
    }
  }

  remove(rt: string, type: string, pid: string): boolean {
    const k = key(rt, type, pid);
    const rec = this.byKey.get(k);
    if (!rec) return false;
    this.byKey.delete(k);
    this.byAssetId?.delete(rec.asset.asset_id);
    this.retire(rec);
    this.version++;
    return true;
  }

  clear(): void {
    this.byKey.clear();
    this.byAssetId = undefined;
    this.views.clear();
    this.pending.created = [];
    this.pending.public_id = [];
    this.bytes = 0;
    this.version++;
  }

  private retire(rec: Rec): void {
    rec.deleted = true;
    this.bytes -= rec.asset.bytes;
    if (this.views.size === 0) return;
    for (const order of ['created', 'public_id'] as const) {
      for (const scope of ['*', rec.rt, `${rec.rt}/${rec.type}`]) {
        const v = this.views.get(`${order}|${scope}`);
        if (v) v.tombstones++;
      }
    }
  }

  /** Sorted entries for a scope (may contain tombstones; callers skip `deleted`). */
  private view(order: Order, scope: string): Rec[] {
    const gk = `${order}|*`;
    let global = this.views.get(gk);
    const cmp = comparatorFor(order);
    if (!global) {
      const arr = Array.from(this.byKey.values());
      arr.sort(cmp);
      global = { arr, tombstones: 0 };
      this.views.set(gk, global);
      this.pending[order] = [];
    } else if (this.pending[order].length > 0) {
      const add = this.pending[order].filter((r) => !r.deleted).sort(cmp);
      this.pending[order] = [];
      global.arr = mergeSorted(global.arr, add, cmp);
      global.tombstones = 0;
    }
    compactIfWorthIt(global);
    if (scope === '*') return global.arr;
    const sk = `${order}|${scope}`;
    let scoped = this.views.get(sk);
    if (!scoped) {
      const slash = scope.indexOf('/');
      const rt = slash < 0 ? scope : scope.slice(0, slash);
      const type = slash < 0 ? undefined : scope.slice(slash + 1);
      const src = global.arr;
      const arr: Rec[] = [];
      for (const r of src) {
        if (!r.deleted && r.rt === rt && (type === undefined || r.type === type)) arr.push(r);
      }
      scoped = { arr, tombstones: 0 };
      this.views.set(sk, scoped);
    }
    compactIfWorthIt(scoped);
    return scoped.arr;
  }

  /**
   * Keyset scan: binary-search the window, then walk only as far as the page (plus one more match
   * to know whether a next page exists). Work per page is O(log n + page) unless a filter rejects
   * many entries in between.
   */
  scan(spec: ScanSpec): ScanResult {
    const arr = this.view(spec.order, spec.scope);
    const cmp = comparatorFor(spec.order);
    let lo = 0;
    let hi = arr.length;
    if (spec.order === 'created') {
      const { minMs, maxMs } = spec;
      if (minMs !== undefined) {
        lo = spec.minInclusive === false
          ? firstWhere(arr, lo, hi, (r) => r.ms > minMs)
          : firstWhere(arr, lo, hi, (r) => r.ms >= minMs);
      }
      if (maxMs !== undefined) {
        hi = spec.maxInclusive === false
          ? firstWhere(arr, lo, hi, (r) => r.ms >= maxMs)
          : firstWhere(arr, lo, hi, (r) => r.ms > maxMs);
      }
    } else if (spec.prefix) {
      const prefix = spec.prefix;
      lo = firstWhere(arr, lo, hi, (r) => r.pid >= prefix);
      hi = firstWhere(arr, lo, hi, (r) => r.pid > prefix && !r.pid.startsWith(prefix));
    }
    const after = spec.after;
    if (after) {
      if (spec.dir === 'asc') lo = Math.max(lo, firstWhere(arr, lo, hi, (r) => cmp(r, after) > 0));
      else hi = Math.min(hi, firstWhere(arr, lo, hi, (r) => cmp(r, after) >= 0));
    }

    const limit = spec.limit;
    const items: EmulatorAsset[] = [];
    let count = 0;
    let last: Rec | undefined;
    let more = false;
    const step = spec.dir === 'asc' ? 1 : -1;
    for (let i = spec.dir === 'asc' ? lo : hi - 1; i >= lo && i < hi; i += step) {
      const r = arr[i] as Rec;
      if (r.deleted) continue;
      if (spec.filter && !spec.filter(r.asset)) continue;
      if (limit === undefined) {
        count++;
        continue;
      }
      if (items.length === limit) {
        more = true;
        break;
      }
      items.push(r.asset);
      last = r;
    }
    if (limit !== undefined) count = items.length;
    const result: ScanResult = { items, count };
    if (more && last) result.nextAfter = { ms: last.ms, pid: last.pid, rt: last.rt, type: last.type };
    return result;
  }
}

function compactIfWorthIt(v: View): void {
  if (v.tombstones > 0 && v.tombstones * 8 > v.arr.length) {
    v.arr = v.arr.filter((r) => !r.deleted);
    v.tombstones = 0;
  }
}

/** Merges two sorted arrays, dropping tombstones on the way (so the result has none). */
function mergeSorted(a: Rec[], b: Rec[], cmp: (x: SortKey, y: SortKey) => number): Rec[] {
  const out: Rec[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let r: Rec;
    if (j >= b.length || (i < a.length && cmp(a[i] as Rec, b[j] as Rec) <= 0)) r = a[i++] as Rec;
    else r = b[j++] as Rec;
    if (!r.deleted) out.push(r);
  }
  return out;
}
