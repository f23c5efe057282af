/**
 * The ImageKit emulator, driven through the unmodified @imagekit/nodejs SDK over loopback: what the
 * backend relies on answers the way the API reference documents it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import ImageKit, { toFile } from '@imagekit/nodejs';
import { ImageKitEmulator, generateFiles } from '../../src/emulator/imagekit/index.js';

let emu: ImageKitEmulator;
let ik: ImageKit;
const T0 = Date.parse('2025-03-01T10:00:00Z');
let clock = T0;

beforeAll(async () => {
  emu = await ImageKitEmulator.start({ now: () => clock });
  ik = new ImageKit({ privateKey: emu.privateKey, baseURL: emu.baseURL, maxRetries: 0 });
});
afterAll(async () => emu.stop());
beforeEach(() => {
  clock = T0;
  emu.clearFiles();
  emu.clearRequests();
  emu.setRateLimit({ limit: 10_000, intervalMs: 1000 });
  emu.addFiles(generateFiles(30, { start: new Date(T0 - 86_400_000), folders: 3 }));
});

async function rejection(p: Promise<unknown>): Promise<InstanceType<typeof ImageKit.APIError>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ImageKit.APIError) return e;
    throw e;
  }
  throw new Error('expected the call to be rejected');
}

describe('list and search', () => {
  it('lists files oldest first by default, paged by skip and limit', async () => {
    const first = await ik.assets.list({ limit: 10 });
    const second = await ik.assets.list({ limit: 10, skip: 10, sort: 'ASC_CREATED' });
    const all = await ik.assets.list({});
    expect(all).toHaveLength(30);
    expect([...first, ...second].map((f) => (f as { fileId: string }).fileId)).toEqual(all.slice(0, 20).map((f) => (f as { fileId: string }).fileId));
    const created = all.map((f) => Date.parse((f as { createdAt: string }).createdAt));
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    const f = all[0] as Record<string, unknown>;
    expect(f).toMatchObject({ type: 'file', fileType: 'image', mime: 'image/jpeg', isPrivateFile: false });
    expect(String(f.url)).toBe(`${emu.urlEndpoint}${String(f.filePath)}`);
    expect(String(f.fileId)).toMatch(/^[0-9a-f]{24}$/);
  });

  it('refuses a limit over 1000 with a 400', async () => {
    const err = await rejection(ik.assets.list({ limit: 1001 }));
    expect(err).toBeInstanceOf(ImageKit.BadRequestError);
    expect(err.message).toMatch(/limit/);
  });

  it('filters by createdAt (ISO to the second, or relative), name IN, path and id', async () => {
    const all = (await ik.assets.list({})) as Array<{ fileId: string; createdAt: string; name: string; filePath: string }>;
    const tenth = all[10]!;
    const iso = tenth.createdAt.slice(0, 19);
    const since = await ik.assets.list({ searchQuery: `createdAt >= "${iso}"` });
    expect(since).toHaveLength(20);
    clock = T0 + 1000;
    expect(await ik.assets.list({ searchQuery: 'createdAt > "1h"' })).toHaveLength(0);
    const named = await ik.assets.list({ searchQuery: `name IN ["${all[0]!.name}", "${all[5]!.name}"]` });
    expect(named.map((f) => (f as { fileId: string }).fileId).sort()).toEqual([all[0]!.fileId, all[5]!.fileId].sort());
    const folder = all[0]!.filePath.slice(0, all[0]!.filePath.lastIndexOf('/'));
    const inFolder = (await ik.assets.list({ searchQuery: `path = "${folder}"` })) as typeof all;
    expect(inFolder.length).toBeGreaterThan(0);
    expect(inFolder.every((f) => f.filePath.startsWith(`${folder}/`))).toBe(true);
    expect(await ik.assets.list({ path: `${folder}/` })).toHaveLength(inFolder.length);
    expect(await ik.assets.list({ searchQuery: `id = "${tenth.fileId}" AND (name : "file-" OR size > 0)` })).toHaveLength(1);
    const bad = await rejection(ik.assets.list({ searchQuery: 'colour = "red"' }));
    expect(bad.status).toBe(400);
  });
});

describe('files', () => {
  it('answers details and versions by fileId, 404 when gone', async () => {
    const f = emu.files()[3]!;
    const details = await ik.files.get(f.fileId);
    expect(details).toMatchObject({ fileId: f.fileId, filePath: f.filePath, size: f.size });
    const versions = await ik.files.versions.list(f.fileId);
    expect(versions).toHaveLength(1);
    expect(versions[0]!.versionInfo?.id).toBe(f.fileId);
    const err = await rejection(ik.files.get('000000000000000000000000'));
    expect(err).toBeInstanceOf(ImageKit.NotFoundError);
  });

  it('bulk-deletes by fileId, and deletes nothing when one id is missing (404 with missingFileIds)', async () => {
    const [a, b, c] = emu.files();
    const ok = await ik.files.bulk.delete({ fileIds: [a!.fileId, b!.fileId] });
    expect(ok.successfullyDeletedFileIds).toEqual([a!.fileId, b!.fileId]);
    expect(emu.fileCount).toBe(28);
    const err = await rejection(ik.files.bulk.delete({ fileIds: [c!.fileId, a!.fileId] }));
    expect(err.status).toBe(404);
    expect((err.error as { missingFileIds: string[] }).missingFileIds).toEqual([a!.fileId]);
    expect(emu.getFile(c!.fileId)).toBeDefined();
    const tooMany = await rejection(ik.files.bulk.delete({ fileIds: Array.from({ length: 101 }, (_, i) => String(i)) }));
    expect(tooMany.status).toBe(400);
  });

  it('uploads through the upload API; never overwrites when told not to', async () => {
    const up = await ik.files.upload({ file: await toFile(Buffer.from('hello'), 'a.txt'), fileName: 'a.txt', folder: '/restored', useUniqueFileName: false, overwriteFile: false });
    expect(up).toMatchObject({ filePath: '/restored/a.txt', size: 5, name: 'a.txt' });
    const again = await rejection(ik.files.upload({ file: await toFile(Buffer.from('other'), 'a.txt'), fileName: 'a.txt', folder: '/restored', useUniqueFileName: false, overwriteFile: false }));
    expect(again.status).toBe(400);
    expect(emu.fileAt('/restored/a.txt')?.data?.toString()).toBe('hello');
    const unique = await ik.files.upload({ file: await toFile(Buffer.from('x'), 'a.txt'), fileName: 'a.txt', folder: '/restored' });
    expect(unique.filePath).toMatch(/^\/restored\/a_[0-9a-f]{8}\.txt$/);
  });

  it('delivers public files, and private ones only by a signed URL', async () => {
    const pub = emu.files()[0]!;
    const res = await fetch(`${emu.urlEndpoint}/tr:w-300${pub.filePath}`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(pub.size);
    const priv = emu.addFile({ filePath: '/secret/p.jpg', isPrivateFile: true, data: Buffer.from('private bytes') });
    expect((await fetch(`${emu.urlEndpoint}${priv.filePath}`)).status).toBe(401);
    clock = Date.now();
    const signed = ik.helper.buildSrc({ urlEndpoint: emu.urlEndpoint, src: priv.filePath, expiresIn: 600 });
    const ok = await fetch(signed);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('private bytes');
  });
});

describe('auth and rate limits', () => {
  it('refuses a wrong private key with a 401', async () => {
    const other = new ImageKit({ privateKey: 'private_wrong', baseURL: emu.baseURL, maxRetries: 0 });
    const err = await rejection(other.assets.list({}));
    expect(err).toBeInstanceOf(ImageKit.AuthenticationError);
  });

  it('reports X-RateLimit-* on every answer and answers 429 past the limit', async () => {
    emu.setRateLimit({ limit: 2, intervalMs: 60_000 });
    const { response } = await ik.assets.list({ limit: 1 }).withResponse();
    expect(response.headers.get('x-ratelimit-limit')).toBe('2');
    expect(response.headers.get('x-ratelimit-interval')).toBe('60000');
    expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    await ik.assets.list({ limit: 1 });
    const err = await rejection(ik.assets.list({ limit: 1 }));
    expect(err).toBeInstanceOf(ImageKit.RateLimitError);
    expect(Number(err.headers?.get('x-ratelimit-reset'))).toBe(60_000);
    clock = T0 + 60_000;
    await expect(ik.assets.list({ limit: 1 })).resolves.toHaveLength(1);
  });
});
