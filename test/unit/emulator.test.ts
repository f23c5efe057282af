import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudinaryEmulator, type EmulatorAsset } from '../../src/emulator/index.js';

type Sdk = (typeof import('cloudinary'))['v2'];
interface Resource {
  public_id: string;
  created_at: string;
  resource_type: string;
  type: string;
  format?: string;
  url: string;
  [k: string]: unknown;
}
interface ListResult {
  resources: Resource[];
  next_cursor?: string;
  total_count?: number;
  rate_limit_allowed?: number;
  rate_limit_remaining?: number;
  rate_limit_reset_at?: Date;
  [k: string]: unknown;
}
/** The SDK rejects API errors with a plain object, not an Error. */
interface SdkRejection {
  error: { message: string; http_code: number };
}

let emu: CloudinaryEmulator;
let sdk: Sdk;
let clock = new Date('2025-06-01T12:00:00Z');

async function rejection(p: Promise<unknown>): Promise<SdkRejection> {
  try {
    await p;
  } catch (e) {
    return e as SdkRejection;
  }
  throw new Error('expected the call to be rejected');
}

const list = (opts: Record<string, unknown>): Promise<ListResult> => sdk.api.resources(opts) as Promise<ListResult>;

/** Follows next_cursor to the end, checking the last page really has no cursor key. */
async function listAll(opts: Record<string, unknown>): Promise<{ ids: string[]; pages: ListResult[] }> {
  const pages: ListResult[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor ? { ...opts, next_cursor: cursor } : opts);
    pages.push(page);
    cursor = page.next_cursor;
  } while (cursor);
  expect(Object.keys(pages[pages.length - 1] ?? {})).not.toContain('next_cursor');
  return { ids: pages.flatMap((p) => p.resources.map((r) => r.public_id)), pages };
}

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ now: () => clock });
  // The SDK chooses http vs https from this once, at import time.
  process.env.CLOUDINARY_URL = emu.cloudinaryUrl;
  sdk = (await import('cloudinary')).v2;
});

afterAll(async () => {
  await emu?.stop();
});

beforeEach(() => {
  emu.clearAssets();
  emu.injectFaults(null);
  emu.setLatency(0);
  emu.setRateLimit({ limit: 5000, remaining: 5000, status: 420, headers: true, resetAt: new Date(clock.getTime() + 3_600_000) });
});

function seed(n: number, opts: { prefix?: string; startMs?: number; stepMs?: number; sameSecondEvery?: number } = {}): EmulatorAsset[] {
  const start = opts.startMs ?? Date.parse('2025-01-01T00:00:00Z');
  const step = opts.stepMs ?? 60_000;
  const out: EmulatorAsset[] = [];
  for (let i = 0; i < n; i++) {
    // Groups of assets share a created_at second so the public_id tiebreak is exercised.
    const slot = opts.sameSecondEvery ? Math.floor(i / opts.sameSecondEvery) : i;
    out.push(
      emu.addAsset({
        public_id: `${opts.prefix ?? 'p/'}${String(i).padStart(5, '0')}`,
        created_at: new Date(start + slot * step).toISOString(),
      }),
    );
  }
  return out;
}

describe('listing', () => {
  it('pages over >500 assets with max_results 500: every asset once, last page without next_cursor', async () => {
    seed(1234, { sameSecondEvery: 7 });
    const { ids, pages } = await listAll({ type: 'upload', max_results: 500 });
    expect(pages.map((p) => p.resources.length)).toEqual([500, 500, 234]);
    expect(ids).toHaveLength(1234);
    expect(new Set(ids).size).toBe(1234);
    // Default direction is newest first, ties broken deterministically.
    const times = pages.flatMap((p) => p.resources.map((r) => Date.parse(r.created_at)));
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1] as number);
  });

  it('clamps max_results above 500 and defaults to 10', async () => {
    seed(600);
    expect((await list({ type: 'upload', max_results: 1000 })).resources).toHaveLength(500);
    expect((await list({})).resources).toHaveLength(10);
  });

  it('returns real-looking resource objects', async () => {
    emu.addAsset({ public_id: 'folder/sub/pic', created_at: '2025-02-03T04:05:06.789Z', bytes: 4321, format: 'png' });
    emu.addAsset({ public_id: 'docs/readme.txt', resource_type: 'raw' });
    const [img] = (await list({ type: 'upload' })).resources;
    expect(img).toMatchObject({
      public_id: 'folder/sub/pic',
      format: 'png',
      resource_type: 'image',
      type: 'upload',
      created_at: '2025-02-03T04:05:06Z',
      bytes: 4321,
      folder: 'folder/sub',
      url: `http://res.cloudinary.com/${emu.cloudName}/image/upload/v1738555506/folder/sub/pic.png`,
    });
    expect(img?.asset_id).toMatch(/^[0-9a-f]{32}$/);
    const [raw] = (await list({ resource_type: 'raw', type: 'upload' })).resources;
    expect(raw?.public_id).toBe('docs/readme.txt');
    expect(raw?.format).toBeUndefined();
    expect(raw?.url).toMatch(/\/raw\/upload\/v\d+\/docs\/readme\.txt$/);
  });

  it('filters by prefix and sorts by public_id, ignoring direction', async () => {
    seed(30, { prefix: 'b/' });
    seed(30, { prefix: 'a/' });
    seed(5, { prefix: 'ab' });
    const { ids, pages } = await listAll({ type: 'upload', prefix: 'a/', max_results: 7, direction: 'desc' });
    expect(pages).toHaveLength(5);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toHaveLength(30);
    expect(ids.every((id) => id.startsWith('a/'))).toBe(true);
  });

  it('honours direction asc/desc and 1/-1', async () => {
    seed(20);
    const asc = (await list({ type: 'upload', direction: 'asc', max_results: 20 })).resources.map((r) => r.public_id);
    const one = (await list({ type: 'upload', direction: 1, max_results: 20 })).resources.map((r) => r.public_id);
    const desc = (await list({ type: 'upload', direction: 'desc', max_results: 20 })).resources.map((r) => r.public_id);
    const minus = (await list({ type: 'upload', direction: -1, max_results: 20 })).resources.map((r) => r.public_id);
    expect(asc[0]).toBe('p/00000');
    expect(one).toEqual(asc);
    expect(desc).toEqual([...asc].reverse());
    expect(minus).toEqual(desc);
  });

  it('start_at (a Date, sent as a UTC string) keeps only assets created at or after it', async () => {
    seed(100); // one per minute from 2025-01-01T00:00Z
    const { ids } = await listAll({ type: 'upload', start_at: new Date('2025-01-01T01:00:00Z'), direction: 'asc', max_results: 15 });
    expect(ids[0]).toBe('p/00060');
    expect(ids).toHaveLength(40);
  });

  it('lists across delivery types when type is omitted, and keeps types apart when given', async () => {
    emu.addAsset({ public_id: 'same', type: 'upload' });
    emu.addAsset({ public_id: 'same', type: 'private' });
    emu.addAsset({ public_id: 'v', resource_type: 'video' });
    expect((await list({})).resources.map((r) => `${r.type}:${r.public_id}`).sort()).toEqual(['private:same', 'upload:same']);
    expect((await list({ type: 'private' })).resources).toHaveLength(1);
    expect((await list({ resource_type: 'video' })).resources.map((r) => r.public_id)).toEqual(['v']);
  });

  it('does not skip or repeat when assets are deleted or added between pages', async () => {
    seed(50);
    const first = await list({ type: 'upload', max_results: 10 });
    const seen = first.resources.map((r) => r.public_id);
    // Remove two already-returned assets and one not yet returned; add one newer (belongs before the cursor).
    emu.removeAsset('image', 'upload', seen[3] as string);
    emu.removeAsset('image', 'upload', seen[9] as string);
    emu.removeAsset('image', 'upload', 'p/00020');
    emu.addAsset({ public_id: 'newcomer', created_at: '2026-01-01T00:00:00Z' });
    const { ids: rest } = await listAll({ type: 'upload', max_results: 10, next_cursor: first.next_cursor });
    const expected = Array.from({ length: 40 }, (_, i) => `p/${String(39 - i).padStart(5, '0')}`).filter((id) => id !== 'p/00020');
    expect(rest).toEqual(expected);
  });

  it('rejects a malformed or foreign next_cursor with 400', async () => {
    seed(20);
    const page = await list({ type: 'upload', max_results: 5 });
    expect((await rejection(list({ type: 'upload', next_cursor: 'garbage' }))).error.http_code).toBe(400);
    expect((await rejection(list({ type: 'upload', direction: 'asc', next_cursor: page.next_cursor }))).error.http_code).toBe(400);
  });
});

describe('lookups and deletes', () => {
  const odd = ['dir/sub/file', 'with space', 'ünïcødé/日本語', "quote'd", 'per%cent', 'plus+amp&eq=', 'hash#q?'];

  it('looks up ids containing /, spaces and unicode via resources_by_ids and resource', async () => {
    for (const id of odd) emu.addAsset({ public_id: id });
    const found = (await sdk.api.resources_by_ids([...odd, 'missing/one'])) as unknown as ListResult;
    expect(found.resources.map((r) => r.public_id)).toEqual(odd);
    for (const id of odd) {
      const r = (await sdk.api.resource(id)) as unknown as Resource;
      expect(r.public_id).toBe(id);
    }
    const log = emu.requests.filter((r) => r.kind === 'admin' && r.segments.length === 4);
    expect(log.map((r) => r.segments[3])).toEqual(odd);
  });

  it('answers 404 with the real message for a missing resource', async () => {
    const e = await rejection(sdk.api.resource('nope/x'));
    expect(e.error).toMatchObject({ http_code: 404, message: 'Resource not found - nope/x' });
  });

  it('rejects more than 100 ids', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `id${i}`);
    expect((await rejection(sdk.api.resources_by_ids(ids))).error.http_code).toBe(400);
    expect((await rejection(sdk.api.delete_resources(ids))).error.http_code).toBe(400);
    const ok = (await sdk.api.resources_by_ids(ids.slice(0, 100))) as unknown as ListResult;
    expect(ok.resources).toEqual([]);
  });

  it('deletes with a form body and reports each id', async () => {
    emu.addAsset({ public_id: 'keep' });
    emu.addAsset({ public_id: 'a/gone' });
    emu.addAsset({ public_id: 'b gone' });
    const res = (await sdk.api.delete_resources(['a/gone', 'b gone', 'never'])) as unknown as Record<string, unknown>;
    expect(res.deleted).toEqual({ 'a/gone': 'deleted', 'b gone': 'deleted', never: 'not_found' });
    expect(res.deleted_counts).toEqual({
      'a/gone': { original: 1, derived: 0 },
      'b gone': { original: 1, derived: 0 },
      never: { original: 0, derived: 0 },
    });
    expect(res.partial).toBe(false);
    expect(emu.allAssets().map((a) => a.public_id)).toEqual(['keep']);
    const del = emu.requests.filter((r) => r.method === 'DELETE').at(-1);
    expect(del?.params.public_ids).toEqual(['a/gone', 'b gone', 'never']);
  });

  it('deletes by asset_id: DELETE /resources with asset_ids[] in a form body, across types, answered per asset_id', async () => {
    const a = emu.addAsset({ public_id: 'by-id/a' });
    const b = emu.addAsset({ public_id: 'by-id/b', resource_type: 'video', type: 'private' });
    const keep = emu.addAsset({ public_id: 'by-id/keep' });
    const res = (await sdk.api.delete_resources_by_asset_ids([a.asset_id, b.asset_id, 'f'.repeat(32)])) as unknown as Record<string, unknown>;
    expect(res.deleted).toEqual({ [a.asset_id]: 'deleted', [b.asset_id]: 'deleted', ['f'.repeat(32)]: 'not_found' });
    expect(res.deleted_counts).toEqual({
      [a.asset_id]: { original: 1, derived: 0 },
      [b.asset_id]: { original: 1, derived: 0 },
      ['f'.repeat(32)]: { original: 0, derived: 0 },
    });
    expect(res.partial).toBe(false);
    expect(emu.allAssets().map((x) => x.asset_id)).toEqual([keep.asset_id]);
    const del = emu.requests.filter((r) => r.method === 'DELETE').at(-1);
    expect(del?.path).toMatch(/\/v1_1\/[^/]+\/resources$/);
    expect(del?.params.asset_ids).toEqual([a.asset_id, b.asset_id, 'f'.repeat(32)]);
  });

  it('deletes by asset_id only the file that has it: a replacement under the same public_id stays', async () => {
    const old = emu.addAsset({ public_id: 'by-id/replaced' });
    const now = emu.addAsset({ public_id: 'by-id/replaced', bytes: 777 });
    const res = (await sdk.api.delete_resources_by_asset_ids([old.asset_id])) as unknown as Record<string, unknown>;
    expect(res.deleted).toEqual({ [old.asset_id]: 'not_found' });
    expect(emu.getAsset('image', 'upload', 'by-id/replaced')?.asset_id).toBe(now.asset_id);
  });

  it('refuses more than 100 asset_ids, and none', async () => {
    const ids = Array.from({ length: 101 }, (_, i) => `${i}`.padStart(32, '0'));
    const many = await rejection(sdk.api.delete_resources_by_asset_ids(ids));
    expect(many.error).toMatchObject({ http_code: 400, message: 'Too many asset_ids. Maximum allowed is 100' });
    const none = await rejection(sdk.api.delete_resources_by_asset_ids([]));
    expect(none.error.http_code).toBe(400);
    const ok = (await sdk.api.delete_resources_by_asset_ids(ids.slice(0, 100))) as unknown as Record<string, unknown>;
    expect(Object.values(ok.deleted as object)).toEqual(Array(100).fill('not_found'));
  });

  it('deletes by prefix', async () => {
    seed(5, { prefix: 'tmp/' });
    seed(3, { prefix: 'keep/' });
    const res = (await sdk.api.delete_resources_by_prefix('tmp/')) as unknown as Record<string, unknown>;
    expect(Object.keys(res.deleted as object)).toHaveLength(5);
    expect(emu.allAssets()).toHaveLength(3);
  });
});

describe('ping, usage, auth', () => {
  it('ping and usage', async () => {
    seed(3);
    expect(await sdk.api.ping()).toMatchObject({ status: 'ok' });
    const usage = (await sdk.api.usage()) as unknown as Record<string, unknown>;
    expect(usage).toMatchObject({ resources: 3, derived_resources: 0, storage: { usage: 3 * 1024 }, objects: { usage: 3 } });
    expect(typeof usage.plan).toBe('string');
    expect(typeof usage.last_updated).toBe('string');
  });

  it('rejects a wrong secret, a wrong key and an unknown cloud with 401', async () => {
    const badSecret = await rejection(sdk.api.ping({ api_secret: 'wrong' }));
    expect(badSecret.error).toMatchObject({ http_code: 401, message: 'api_secret mismatch' });
    const badKey = await rejection(sdk.api.ping({ api_key: '42' }));
    expect(badKey.error).toMatchObject({ http_code: 401, message: 'Invalid api_key 42' });
    const badCloud = await rejection(sdk.api.ping({ cloud_name: 'other' }));
    expect(badCloud.error).toMatchObject({ http_code: 401, message: 'Invalid cloud_name other' });
  });

  it('sends the rate-limit headers on errors too', async () => {
    const res = await fetch(`${emu.uploadPrefix}/v1_1/${emu.cloudName}/resources/image/upload/missing`, {
      headers: { Authorization: `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString('base64')}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-featureratelimit-limit')).toBe('5000');
    expect(res.headers.get('x-featureratelimit-remaining')).toBe('4999');
    expect(res.headers.get('x-featureratelimit-reset')).toMatch(/GMT$/);
    const unauth = await fetch(`${emu.uploadPrefix}/v1_1/${emu.cloudName}/ping`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('x-featureratelimit-remaining')).toBe('4999');
  });
});

describe('rate limit', () => {
  it('copies the budget onto results and refuses with 420 once it is spent', async () => {
    const resetAt = new Date(clock.getTime() + 30 * 60_000);
    emu.setRateLimit({ limit: 500, remaining: 2, resetAt });
    const first = (await sdk.api.ping()) as unknown as ListResult;
    expect(first.rate_limit_allowed).toBe(500);
    expect(first.rate_limit_remaining).toBe(1);
    expect(first.rate_limit_reset_at?.getTime()).toBe(resetAt.getTime());
    expect(((await sdk.api.ping()) as unknown as ListResult).rate_limit_remaining).toBe(0);
    const refused = await rejection(sdk.api.ping());
    expect(refused.error.http_code).toBe(420);
    expect(refused.error.message).toMatch(/^Rate Limit Exceeded/);
    expect(emu.rateLimit.remaining).toBe(0);

    // The window resets on the hour.
    clock = new Date(resetAt.getTime() + 1000);
    try {
      expect(((await sdk.api.ping()) as unknown as ListResult).rate_limit_remaining).toBe(499);
    } finally {
      clock = new Date('2025-06-01T12:00:00Z');
    }
  });

  it('can answer 429 instead, and omit the headers', async () => {
    emu.setRateLimit({ remaining: 0, status: 429 });
    expect((await rejection(sdk.api.ping())).error.http_code).toBe(429);
    emu.setRateLimit({ remaining: 10, headers: false });
    const res = (await sdk.api.ping()) as unknown as ListResult;
    expect(res.rate_limit_allowed).toBeUndefined();
  });

  it('does not charge uploads', async () => {
    emu.setRateLimit({ remaining: 0 });
    const up = (await sdk.uploader.upload('data:text/plain;base64,aGk=', { public_id: 'r.txt', resource_type: 'raw' })) as unknown as Resource;
    expect(up.public_id).toBe('r.txt');
  });
});

describe('search', () => {
  it('pages through a created_at window in order with total_count', async () => {
    seed(1200, { sameSecondEvery: 3 }); // 3 assets per minute from 2025-01-01T00:00Z
    emu.addAsset({ public_id: 'v/in-window', resource_type: 'video', created_at: '2025-01-01T02:00:00Z' });
    const expr = 'resource_type:image AND type:upload AND created_at>="2025-01-01T01:00:00Z" AND created_at<"2025-01-01T03:00:00Z"';
    const ids: string[] = [];
    const times: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      let q = sdk.search.expression(expr).sort_by('created_at', 'asc').max_results(100);
      if (cursor) q = q.next_cursor(cursor);
      const page = (await q.execute()) as unknown as ListResult;
      expect(page.total_count).toBe(360);
      ids.push(...page.resources.map((r) => r.public_id));
      times.push(...page.resources.map((r) => Date.parse(r.created_at)));
      cursor = page.next_cursor;
      if (!cursor) expect(Object.keys(page)).not.toContain('next_cursor');
      pages++;
    } while (cursor);
    expect(pages).toBe(4);
    expect(new Set(ids).size).toBe(360);
    expect(ids[0]).toBe('p/00180');
    expect(ids.at(-1)).toBe('p/00539');
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The path arrives as one %2F-encoded segment.
    expect(emu.requests.at(-1)?.segments).toEqual(['resources/search']);
  });

  it('supports > and <= bounds, unquoted dates, public_id prefix, folder and default desc sort', async () => {
    seed(10, { prefix: 'x/' });
    seed(10, { prefix: 'y/' });
    const window = (await (sdk.api as unknown as { search(p: object): Promise<unknown> }).search({
      expression: 'created_at>2025-01-01T00:02:00Z AND created_at<=2025-01-01T00:04:00Z AND public_id:x/*',
    })) as unknown as ListResult;
    expect(window.resources.map((r) => r.public_id)).toEqual(['x/00004', 'x/00003']);
    const folder = (await sdk.search.expression('folder:y').max_results(3).execute()) as unknown as ListResult;
    expect(folder.total_count).toBe(10);
    expect(folder.resources.map((r) => r.public_id)).toEqual(['y/00009', 'y/00008', 'y/00007']);
  });

  it('rejects what it does not understand instead of matching too much', async () => {
    const e = await rejection(sdk.search.expression('tags:cat OR tags:dog').execute());
    expect(e.error.http_code).toBe(400);
  });
});

describe('faults, uploads and delivery', () => {
  it('failNext answers the next calls with the given status, then recovers', async () => {
    emu.failNext(1, 503, '<html>Service Unavailable</html>');
    emu.failNext(1, 500);
    // For statuses it does not parse, the SDK rejects with the bare error object.
    const unexpected = (await rejection(sdk.api.ping())) as unknown as { message: string; http_code: number };
    expect(unexpected).toMatchObject({ http_code: 503, message: 'Server returned unexpected status code - 503' });
    expect((await rejection(sdk.api.ping())).error.http_code).toBe(500);
    expect(await sdk.api.ping()).toMatchObject({ status: 'ok' });
  });

  it('random faults: truncated bodies and hangs surface as client errors', async () => {
    seed(5);
    emu.injectFaults({ truncateRate: 1, seed: 7 });
    const truncated = (await rejection(list({ type: 'upload' }))) as unknown as { message: { code?: string } };
    expect(truncated.message.code).toBe('ECONNRESET');
    emu.injectFaults({ hangRate: 1, seed: 7, onlyPaths: /^resources\// });
    expect(await sdk.api.ping()).toMatchObject({ status: 'ok' });
    // The SDK's `timeout` option never aborts the request, so probe the hang with fetch instead.
    const hung = fetch(`${emu.uploadPrefix}/v1_1/${emu.cloudName}/resources/image/upload`, {
      headers: { Authorization: `Basic ${Buffer.from(`${emu.apiKey}:${emu.apiSecret}`).toString('base64')}` },
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow(/aborted|timeout/i);
    expect(emu.requests.at(-1)?.status).toBe(-1);
    emu.injectFaults({ errorRate: 1, status: 500 });
    expect((await rejection(sdk.api.ping())).error.http_code).toBe(500);
    emu.injectFaults(null);
    expect((await list({ type: 'upload' })).resources).toHaveLength(5);
  });

  it('applies latency without blocking other requests', async () => {
    emu.setLatency(150);
    // every call is still in flight when the last one starts: the latency overlaps, it does not queue
    const spans = await Promise.all(
      [1, 2, 3].map(async () => {
        const start = process.hrtime.bigint();
        await sdk.api.ping();
        return { start, end: process.hrtime.bigint() };
      }),
    );
    emu.setLatency(0);
    const lastStart = spans.reduce((m, s) => (s.start > m ? s.start : m), 0n);
    for (const s of spans) expect(s.end > lastStart).toBe(true);
    expect(Number(spans[0]!.end - spans[0]!.start) / 1e6).toBeGreaterThanOrEqual(140);
  });

  it('uploads bytes and serves them on the delivery route (GET and HEAD)', async () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const up = (await sdk.uploader.upload(`data:image/png;base64,${png.toString('base64')}`, {
      public_id: 'restored/pic one',
    })) as unknown as Resource;
    expect(up).toMatchObject({ public_id: 'restored/pic one', format: 'png', width: 1, height: 1, bytes: png.length });
    expect(emu.getAsset('image', 'upload', 'restored/pic one')?.data?.equals(png)).toBe(true);

    const path = `/${emu.cloudName}/image/upload/v${String(up.version)}/restored/pic%20one.png`;
    const got = await fetch(`${emu.uploadPrefix}${path}`);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await got.arrayBuffer()).equals(png)).toBe(true);
    const head = await fetch(`${emu.uploadPrefix}/${emu.cloudName}/image/upload/restored/pic%20one.png`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(png.length));
    const miss = await fetch(`${emu.uploadPrefix}/${emu.cloudName}/image/upload/nothing.png`);
    expect(miss.status).toBe(404);
    expect(miss.headers.get('x-cld-error')).toBe('Resource not found');
  });
});
