import { decodeCursor, encodeCursor } from './cursor.js';
import { ApiError, firstString, type Params } from './http-util.js';
import { resourceDetailJson, resourceJson, type UrlBase } from './resources.js';
import { parseSearchExpression, parseSortBy, planSearch, SearchSyntaxError } from './search.js';
import type { AssetStore, Direction, ScanSpec } from './store.js';
import { DELIVERY_TYPES, RESOURCE_TYPES, type DeliveryType, type ResourceType } from './types.js';

export interface AdminContext {
  store: AssetStore;
  now: () => Date;
  urlBase: () => UrlBase;
  /** Delivery requests served, reported by usage. */
  deliveryRequests: () => number;
}

export interface AdminResult {
  status: number;
  body: unknown;
}

const LIST_MAX = 500;
const IDS_MAX = 100;
const PREFIX_DELETE_BATCH = 1000;

function ok(body: unknown): AdminResult {
  return { status: 200, body };
}

/**
 * max_results above the cap is clamped rather than rejected: the real API quietly returns at
 * most 500 (clients that ask for more just see a next_cursor sooner).
 */
function maxResults(params: Params, def: number): number {
  const raw = firstString(params.max_results);
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ApiError(400, `Invalid max_results ${raw}`);
  return Math.min(n, LIST_MAX);
}

function direction(params: Params): Direction {
  const raw = firstString(params.direction);
  if (raw === undefined || raw === '') return 'desc';
  const v = raw.toLowerCase();
  if (v === 'asc' || v === '1') return 'asc';
  if (v === 'desc' || v === '-1') return 'desc';
  throw new ApiError(400, `Invalid direction ${raw}`);
}

function resourceType(v: string): ResourceType {
  if (!(RESOURCE_TYPES as readonly string[]).includes(v)) throw new ApiError(400, `Invalid resource_type ${v}`);
  return v as ResourceType;
}

function deliveryType(v: string): DeliveryType {
  if (!(DELIVERY_TYPES as readonly string[]).includes(v)) throw new ApiError(400, `Invalid type ${v}`);
  return v as DeliveryType;
}

function idList(params: Params): string[] | undefined {
  const v = params.public_ids;
  if (v === undefined) return undefined;
  return (Array.isArray(v) ? v : [v]).map(String);
}

function listResources(ctx: AdminContext, params: Params, rt: ResourceType, type: DeliveryType | undefined): AdminResult {
  const limit = maxResults(params, 10);
  const prefix = firstString(params.prefix);
  // With a prefix the real API orders by public_id and ignores direction.
  const order = prefix !== undefined && prefix !== '' ? 'public_id' : 'created';
  const dir: Direction = order === 'public_id' ? 'asc' : direction(params);
  const startRaw = firstString(params.start_at);
  let startMs: number | undefined;
  if (startRaw !== undefined && startRaw !== '') {
    startMs = Date.parse(startRaw);
    if (Number.isNaN(startMs)) throw new ApiError(400, `Invalid start_at ${startRaw}`);
  }
  const scope = type ? `${rt}/${type}` : rt;
  const spec: ScanSpec = { order, dir, scope, limit };
  if (order === 'public_id') spec.prefix = prefix;
  if (startMs !== undefined) {
    const min = startMs;
    if (order === 'created') {
      spec.minMs = min;
      spec.minInclusive = true;
    } else {
      spec.filter = (a) => Date.parse(a.created_at) >= min;
    }
  }
  const cursorCtx = `list|${scope}|${prefix ?? ''}|${startMs ?? ''}`;
  const cursor = firstString(params.next_cursor);
  if (cursor) {
    const after = decodeCursor(cursor, order, dir, cursorCtx);
    if (!after) throw new ApiError(400, 'Invalid next_cursor');
    spec.after = after;
  }
  const page = ctx.store.scan(spec);
  const base = ctx.urlBase();
  const body: Record<string, unknown> = { resources: page.items.map((a) => resourceJson(a, base)) };
  if (page.nextAfter) body.next_cursor = encodeCursor(order, dir, cursorCtx, page.nextAfter);
  return ok(body);
}

function resourcesByIds(ctx: AdminContext, ids: string[], rt: ResourceType, type: DeliveryType): AdminResult {
  if (ids.length > IDS_MAX) throw new ApiError(400, `Too many public_ids. Maximum allowed is ${IDS_MAX}`);
  const base = ctx.urlBase();
  const seen = new Set<string>();
  const resources: unknown[] = [];
  for (const id of ids) {
    if (seen.has(id)) continue;
    seen.add(id);
    const a = ctx.store.get(rt, type, id);
    if (a) resources.push(resourceJson(a, base));
  }
  return ok({ resources });
}

function deleteResources(ctx: AdminContext, params: Params, rt: ResourceType, type: DeliveryType): AdminResult {
  const ids = idList(params);
  const prefix = firstString(params.prefix);
  const all = firstString(params.all) === 'true';
  const deleted: Record<string, string> = {};
  const deleted_counts: Record<string, { original: number; derived: number }> = {};
  if (ids !== undefined) {
    if (ids.length === 0) throw new ApiError(400, 'Missing required parameter - public_ids');
    if (ids.length > IDS_MAX) throw new ApiError(400, `Too many public_ids. Maximum allowed is ${IDS_MAX}`);
    for (const id of ids) {
      const removed = ctx.store.remove(rt, type, id);
      deleted[id] = removed ? 'deleted' : 'not_found';
      deleted_counts[id] = { original: removed ? 1 : 0, derived: 0 };
    }
    return ok({ deleted, deleted_counts, partial: false });
  }
  if ((prefix !== undefined && prefix !== '') || all) {
    // The real API deletes in batches and reports partial + next_cursor; deleted assets are gone,
    // so repeating the call continues the job and the cursor is just a marker.
    const spec: ScanSpec = { order: 'public_id', dir: 'asc', scope: `${rt}/${type}`, limit: PREFIX_DELETE_BATCH };
    if (!all && prefix) spec.prefix = prefix;
    const page = ctx.store.scan(spec);
    for (const a of page.items) {
      ctx.store.remove(rt, type, a.public_id);
      deleted[a.public_id] = 'deleted';
      deleted_counts[a.public_id] = { original: 1, derived: 0 };
    }
    const body: Record<string, unknown> = { deleted, deleted_counts, partial: page.nextAfter !== undefined };
    if (page.nextAfter) body.next_cursor = 'continue';
    return ok(body);
  }
  throw new ApiError(400, 'Must specify public_ids, prefix or all');
}

/**
 * DELETE /resources with `asset_ids[]` in a form body (the SDK's delete_resources_by_asset_ids):
 * asset_ids are global, so no resource or delivery type is named. The answer is keyed by asset_id.
 */
function deleteByAssetIds(ctx: AdminContext, params: Params): AdminResult {
  const raw = params.asset_ids;
  const ids = raw === undefined ? [] : (Array.isArray(raw) ? raw : [raw]).map(String);
  if (ids.length === 0) throw new ApiError(400, 'Missing required parameter - asset_ids');
  if (ids.length > IDS_MAX) throw new ApiError(400, `Too many asset_ids. Maximum allowed is ${IDS_MAX}`);
  const deleted: Record<string, string> = {};
  const deleted_counts: Record<string, { original: number; derived: number }> = {};
  for (const id of ids) {
    const a = ctx.store.getByAssetId(id);
    const removed = a !== undefined && ctx.store.remove(a.resource_type, a.type, a.public_id);
    deleted[id] = removed ? 'deleted' : 'not_found';
    deleted_counts[id] = { original: removed ? 1 : 0, derived: 0 };
  }
  return ok({ deleted, deleted_counts, partial: false });
}

function usage(ctx: AdminContext): AdminResult {
  const now = ctx.now();
  const { store } = ctx;
  const storageCredits = store.totalBytes / 1024 ** 3;
  return ok({
    plan: 'Emulator',
    last_updated: now.toISOString().slice(0, 10),
    date_requested: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    transformations: { usage: 0, credits_usage: 0 },
    objects: { usage: store.size },
    bandwidth: { usage: 0, credits_usage: 0 },
    storage: { usage: store.totalBytes, credits_usage: storageCredits },
    credits: { usage: storageCredits, limit: 25, used_percent: (storageCredits / 25) * 100 },
    requests: ctx.deliveryRequests(),
    resources: store.size,
    derived_resources: 0,
    media_limits: {
      image_max_size_bytes: 10_485_760,
      video_max_size_bytes: 104_857_600,
      raw_max_size_bytes: 10_485_760,
      image_max_px: 25_000_000,
      asset_max_total_px: 50_000_000,
    },
  });
}

const searchCounts = new WeakMap<AssetStore, Map<string, { version: number; count: number }>>();

function search(ctx: AdminContext, params: Params): AdminResult {
  const started = Date.now();
  const expression = params.expression === undefined ? undefined : String(params.expression);
  let spec: Omit<ScanSpec, 'after' | 'limit'>;
  try {
    const sort = parseSortBy(params.sort_by);
    spec = planSearch(parseSearchExpression(expression, ctx.now()), sort);
  } catch (e) {
    if (e instanceof SearchSyntaxError) throw new ApiError(400, e.message);
    throw e;
  }
  const rawMax = params.max_results;
  const limit = maxResults({ max_results: rawMax === undefined ? undefined : String(rawMax) }, 50);
  // Relative dates (created_at>1d) move with the clock, so they must not share a cursor across time;
  // the fingerprint includes the resolved bounds rather than the raw text.
  const cursorCtx = `search|${expression ?? ''}|${spec.minMs ?? ''}|${spec.maxMs ?? ''}`;
  const full: ScanSpec = { ...spec, limit };
  const cursor = params.next_cursor === undefined ? undefined : String(params.next_cursor);
  if (cursor) {
    const after = decodeCursor(cursor, spec.order, spec.dir, cursorCtx);
    if (!after) throw new ApiError(400, 'Invalid next_cursor');
    full.after = after;
  }
  const page = ctx.store.scan(full);

  // total_count needs a full count; cache it per query until the store changes so paging stays cheap.
  let cache = searchCounts.get(ctx.store);
  if (!cache) searchCounts.set(ctx.store, (cache = new Map()));
  const countKey = `${cursorCtx}|${spec.order}`;
  let hit = cache.get(countKey);
  if (!hit || hit.version !== ctx.store.version) {
    const count = ctx.store.scan({ ...spec }).count;
    hit = { version: ctx.store.version, count };
    if (cache.size > 1000) cache.clear();
    cache.set(countKey, hit);
  }
  const base = ctx.urlBase();
  const body: Record<string, unknown> = {
    total_count: hit.count,
    time: Date.now() - started,
    resources: page.items.map((a) => {
      const filename = a.public_id.slice(a.public_id.lastIndexOf('/') + 1);
      return {
        ...resourceJson(a, base),
        filename: a.resource_type === 'raw' ? filename.replace(/\.[^.]*$/, '') : filename,
        uploaded_at: a.created_at,
        status: 'active',
      };
    }),
  };
  if (page.nextAfter) body.next_cursor = encodeCursor(spec.order, spec.dir, cursorCtx, page.nextAfter);
  return ok(body);
}

/** Routes one authenticated, budgeted admin call. `segs` are decoded segments after /v1_1/CLOUD. */
export function handleAdmin(ctx: AdminContext, method: string, segs: string[], params: Params): AdminResult {
  const [s0, s1, s2] = segs;
  if (method === 'GET' && segs.length === 1 && s0 === 'ping') return ok({ status: 'ok' });
  if (method === 'GET' && s0 === 'usage' && segs.length <= 2) return usage(ctx);
  if (method === 'POST' && ((segs.length === 1 && s0 === 'resources/search') || (s0 === 'resources' && s1 === 'search' && segs.length === 2))) {
    return search(ctx, params);
  }
  if (s0 === 'resources') {
    if (method === 'GET' && segs.length === 1) return ok({ resource_types: [...RESOURCE_TYPES] });
    if (method === 'DELETE' && segs.length === 1) return deleteByAssetIds(ctx, params);
    if (s1 !== undefined && (RESOURCE_TYPES as readonly string[]).includes(s1)) {
      const rt = resourceType(s1);
      if (method === 'GET' && segs.length === 2) return listResources(ctx, params, rt, undefined);
      if (s2 !== undefined && (DELIVERY_TYPES as readonly string[]).includes(s2)) {
        const type = deliveryType(s2);
        if (segs.length === 3) {
          if (method === 'GET') {
            const ids = idList(params);
            return ids !== undefined ? resourcesByIds(ctx, ids, rt, type) : listResources(ctx, params, rt, type);
          }
          if (method === 'DELETE') return deleteResources(ctx, params, rt, type);
        }
        if (segs.length >= 4 && method === 'GET') {
          // The SDK sends the id as one %2F-encoded segment; hand-written URLs may not encode the slashes.
          const id = segs.slice(3).join('/');
          const a = ctx.store.get(rt, type, id);
          if (!a) throw new ApiError(404, `Resource not found - ${id}`);
          return ok(resourceDetailJson(a, ctx.urlBase()));
        }
      }
    }
  }
  throw new ApiError(404, `Emulator does not implement ${method} /${segs.join('/')}`);
}
