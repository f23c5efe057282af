/**
 * The ImageKit backend against its emulator through the SDK: the listing stays exact while files
 * are deleted and added mid-scan (where plain skip paging loses files), --days is asked of the
 * server, the rate guard paces, pauses and stops, deletes answer per id, and the URL parses with
 * its secret masked.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import ImageKit from '@imagekit/nodejs';
import { ImageKitEmulator, generateFiles } from '../../src/emulator/imagekit/index.js';
import { openStorage } from '../../src/storage/open.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { listChains, newChain } from '../../src/scan/list.js';
import { silentLogger } from '../../src/log.js';
import { BudgetExhausted } from '../../src/storage/budget.js';
import { ImageKitGuard } from '../../src/storage/imagekit/guard.js';
import { parseImageKitUrl } from '../../src/storage/imagekit/config.js';
import { diagnostic } from '../../src/config/redact.js';
import { IMAGEKIT_PARTITION } from '../../src/storage/imagekit/partition.js';

let emu: ImageKitEmulator;
let backend: StorageBackend;
const notices: string[] = [];

beforeAll(async () => {
  emu = await ImageKitEmulator.start({ urlEndpointId: 'unit' });
  backend = await openStorage({ cloudinary: { hosts: [] } }, { STORAGE_URL: emu.storageUrl }, { onNotice: (m) => notices.push(m) });
});
afterAll(async () => {
  backend.close();
  await emu.stop();
});
beforeEach(() => {
  emu.clearFiles();
  emu.clearRequests();
  emu.onRequest(null);
  emu.setRateLimit({ limit: 10_000, intervalMs: 1000 });
  notices.length = 0;
});

async function listAll(since?: Date): Promise<string[]> {
  const ids: string[] = [];
  const chain = newChain(IMAGEKIT_PARTITION);
  await listChains(backend, [chain], { log: silentLogger, since }, (a) => ids.push(a.assetId!));
  expect(chain.complete).toBe(true);
  return ids;
}

/** Before every list call after the first, deletes `n` files already handed on (the earliest ones). */
function deleteListedBeforeEachPage(n: number, listed: () => Set<string>): void {
  let calls = 0;
  emu.onRequest((r) => {
    if (r.path !== '/v1/files' || calls++ === 0) return;
    const victims = emu.files().filter((f) => listed().has(f.fileId)).slice(0, n);
    for (const v of victims) emu.removeFile(v.fileId);
  });
}

describe('an exact listing while the library changes', () => {
  it('plain skip paging loses files when listed ones are deleted mid-scan (the problem)', async () => {
    emu.addFiles(generateFiles(2500));
    const ik = new ImageKit({ privateKey: emu.privateKey, baseURL: emu.baseURL, maxRetries: 0 });
    const seen = new Set<string>();
    deleteListedBeforeEachPage(5, () => seen);
    for (let skip = 0; ; skip += 1000) {
      const page = (await ik.assets.list({ sort: 'ASC_CREATED', skip, limit: 1000 })) as Array<{ fileId: string }>;
      page.forEach((f) => seen.add(f.fileId));
      if (page.length < 1000) break;
    }
    const survivors = emu.files().map((f) => f.fileId);
    expect(survivors.filter((id) => !seen.has(id)).length).toBeGreaterThan(0);
  });

  it('lists every surviving file exactly once when listed files are deleted before each page', async () => {
    emu.addFiles(generateFiles(2500));
    const listed = new Set<string>();
    deleteListedBeforeEachPage(5, () => listed);
    const ids: string[] = [];
    const chain = newChain(IMAGEKIT_PARTITION);
    await listChains(backend, [chain], { log: silentLogger }, (a) => {
      ids.push(a.assetId!);
      listed.add(a.assetId!);
    });
    expect(new Set(ids).size).toBe(ids.length);
    const survivors = emu.files().map((f) => f.fileId);
    expect(survivors.every((id) => listed.has(id))).toBe(true);
  });

  it('stays exact when a bulk import puts thousands of files in one second, even with more deletions than the overlap', async () => {
    emu.addFiles(generateFiles(2600, { perSecond: 5000 }));
    const listed = new Set<string>();
    deleteListedBeforeEachPage(120, () => listed);
    const ids: string[] = [];
    await listChains(backend, [newChain(IMAGEKIT_PARTITION)], { log: silentLogger }, (a) => {
      ids.push(a.assetId!);
      listed.add(a.assetId!);
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(emu.files().every((f) => listed.has(f.fileId))).toBe(true);
    // the tie pages used skip, and at least once a page started past every listed file and backed off
    const skips = emu.requests.filter((r) => r.path === '/v1/files').map((r) => Number(r.query.skip));
    expect(skips.some((k) => k > 0)).toBe(true);
    expect(skips.some((k, i) => i > 0 && k < skips[i - 1]!)).toBe(true);
  });

  it('lists files uploaded during the scan too', async () => {
    emu.addFiles(generateFiles(1500));
    let added = 0;
    emu.onRequest((r) => {
      if (r.path === '/v1/files' && added < 3) emu.addFile({ filePath: `/late/n${added++}.jpg` });
    });
    const ids = await listAll();
    expect(added).toBe(2);
    expect(ids).toHaveLength(1500 + added);
  });

  it('asks the server for --days (createdAt >= …) and hands on nothing older', async () => {
    emu.addFiles(generateFiles(100, { start: new Date('2025-01-01T00:00:00Z') }));
    const since = new Date('2025-01-01T00:00:50.500Z');
    const ids = await listAll(since);
    expect(ids).toHaveLength(49);
    const queries = emu.requests.filter((r) => r.path === '/v1/files').map((r) => r.query.searchQuery);
    expect(queries[0]).toBe('createdAt >= "2025-01-01T00:00:50Z"');
    expect(emu.requests.every((r) => r.query.sort === undefined || r.query.sort === 'ASC_CREATED')).toBe(true);
  });

  it('lists under a prefix by its folder, subfolders included, and the prefix itself', async () => {
    ['/a/x1.jpg', '/a/b/x2.jpg', '/a/y.jpg', '/ab/x3.jpg', '/x4.jpg'].forEach((p) => emu.addFile({ filePath: p }));
    const keys: string[] = [];
    await listChains(backend, [newChain(IMAGEKIT_PARTITION)], { log: silentLogger, prefix: 'a/x' }, (a) => keys.push(a.publicId));
    expect(keys).toEqual(['a/x1.jpg']);
  });
});

describe('lookups and deletes', () => {
  it('looks keys up by path: the same name in another folder is not a match', async () => {
    const here = emu.addFile({ filePath: '/products/a.jpg' });
    emu.addFile({ filePath: '/archive/a.jpg' });
    const found = await backend.lookup(IMAGEKIT_PARTITION, ['products/a.jpg', 'products/missing.jpg', 'nowhere/a.jpg']);
    expect(found.map((a) => [a.publicId, a.assetId])).toEqual([['products/a.jpg', here.fileId]]);
  });

  it('tells a new version of a file (same fileId, same path) from the one reviewed', async () => {
    const f = emu.addFile({ filePath: '/v/a.jpg', createdAt: Date.now() - 86_400_000, data: Buffer.from('one') });
    const [before] = await backend.lookup(IMAGEKIT_PARTITION, ['v/a.jpg']);
    const ik = new ImageKit({ privateKey: emu.privateKey, baseURL: emu.baseURL, maxRetries: 0 });
    await ik.files.upload({ file: Buffer.from('two').toString('base64'), fileName: 'a.jpg', folder: '/v', useUniqueFileName: false });
    const [after] = await backend.lookup(IMAGEKIT_PARTITION, ['v/a.jpg']);
    expect(after!.assetId).toBe(f.fileId);
    expect(after!.version).not.toBe(before!.version);
  });

  it('answers per fileId when some are already gone (the bulk API deletes nothing then: the rest is sent again)', async () => {
    const a = emu.addFile({ filePath: '/d/a.jpg' });
    const b = emu.addFile({ filePath: '/d/b.jpg' });
    const gone = '0123456789abcdef01234567';
    expect(await backend.delete([a.fileId, gone, b.fileId])).toEqual([
      { assetId: a.fileId, outcome: 'deleted' },
      { assetId: gone, outcome: 'not_found' },
      { assetId: b.fileId, outcome: 'deleted' },
    ]);
    expect(emu.fileCount).toBe(0);
    const deletes = emu.requests.filter((r) => r.path === '/v1/files/batch/deleteByFileIds');
    expect(deletes.map((r) => r.status)).toEqual([404, 200]);
  });
});

describe('rate limits', () => {
  it('pauses for X-RateLimit-Reset after a 429 and carries on, with one notice', async () => {
    emu.addFiles(generateFiles(10));
    emu.setRateLimit({ limit: 1, intervalMs: 300 });
    await backend.ping!();
    const ids = await listAll();
    expect(ids).toHaveLength(10);
    expect(notices.some((m) => /429|rate limit/i.test(m))).toBe(true);
  });

  it('stops with BudgetExhausted (checkpoint, resume later) when the window is longer than it will wait', async () => {
    emu.addFiles(generateFiles(10));
    emu.setRateLimit({ limit: 1, intervalMs: 15 * 60_000 });
    await backend.ping!().catch(() => undefined);
    const chain = newChain(IMAGEKIT_PARTITION);
    const outcome = await listChains(backend, [chain], { log: silentLogger }, () => undefined);
    expect(outcome.stop?.kind).toBe('rate_limit');
    expect(chain.complete).toBe(false);
    expect(outcome.fullyListed).toEqual([]);
  });

  it('stops (never fails) when 429s go on past its attempts', async () => {
    emu.addFiles(generateFiles(10));
    const stubborn = await openStorage({ cloudinary: { hosts: [] } }, { STORAGE_URL: emu.storageUrl }, { retryAttempts: 2 });
    emu.setRateLimit({ limit: 0, intervalMs: 50 });
    const chain = newChain(IMAGEKIT_PARTITION);
    const outcome = await listChains(stubborn, [chain], { log: silentLogger }, () => undefined);
    expect(outcome.stop?.kind).toBe('rate_limit');
    expect(outcome.stop?.message).toMatch(/429 \(Too Many Requests\) to list files 2 times in a row/);
  });

  it('paces calls within stopAt of the limit per interval and warns at warnAt', async () => {
    let t = 0;
    const slept: number[] = [];
    const seen: string[] = [];
    const guard = new ImageKitGuard({ warnAt: 0.5, stopAt: 0.8, maxPauseMs: 5000, now: () => t, sleep: async (ms) => void (slept.push(ms), (t += ms)), onNotice: (m) => seen.push(m) });
    guard.observe(new Headers({ 'X-RateLimit-Limit': '10', 'X-RateLimit-Interval': '1000' }));
    for (let i = 0; i < 9; i++) await guard.acquire();
    expect(slept).toEqual([1000]);
    expect(seen).toHaveLength(1);
    guard.observe(new Headers({ 'X-RateLimit-Limit': '10', 'X-RateLimit-Interval': '60000' }));
    for (let i = 0; i < 7; i++) await guard.acquire();
    await expect(guard.acquire()).rejects.toBeInstanceOf(BudgetExhausted);
  });
});

describe('custom endpoints', () => {
  it('storage.hosts in the config reaches the grammar of the opened backend', async () => {
    const { configSchema } = await import('../../src/config/schema.js');
    const config = configSchema.parse({ references: [{ name: 'p', table: 'p', column: 'c' }], storage: { hosts: ['media.example.com'] } });
    const opened = await openStorage(config, { STORAGE_URL: emu.storageUrl });
    const [found] = opened.grammar.referencesIn('https://media.example.com/tr:w-10/x/y.jpg', 'value');
    expect(found?.parsed).toEqual({ kind: 'asset', candidates: [{ publicId: 'x/y.jpg' }] });
    opened.close();
  });
});

describe('the imagekit:// URL', () => {
  it('parses keys and id, masks the private key, and reads the IMAGEKIT_* variables', () => {
    const c = parseImageKitUrl('imagekit://public_abc:private_s3cr%2Bt/x=@shop', 'STORAGE_URL', {});
    expect(c).toMatchObject({ urlEndpointId: 'shop', publicKey: 'public_abc', privateKey: 'private_s3cr+t/x=', urlEndpoint: 'https://ik.imagekit.io/shop' });
    expect(c.masked).toBe('imagekit://public_abc:****@shop');
    expect(diagnostic('failed with private_s3cr+t/x= in it')).not.toContain('private_s3cr');
    const e = parseImageKitUrl('imagekit://', 'STORAGE_URL', { IMAGEKIT_PRIVATE_KEY: 'private_env', IMAGEKIT_PUBLIC_KEY: 'public_env', IMAGEKIT_URL_ENDPOINT: 'https://ik.imagekit.io/envshop/' });
    expect(e).toMatchObject({ urlEndpointId: 'envshop', privateKey: 'private_env', publicKey: 'public_env' });
    expect(() => parseImageKitUrl('imagekit://pub:@shop', 'STORAGE_URL', {})).toThrow(/no private key/);
    expect(() => parseImageKitUrl('imagekit://pub:priv@', 'STORAGE_URL', {})).toThrow(/no URL endpoint id/);
  });
});
