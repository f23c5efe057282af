/**
 * The S3 backend: the storage contract suite (test/support/storage-contract.ts) through the official
 * @aws-sdk/client-s3 against the S3 emulator on loopback, then what is S3's own: the configured
 * prefix, parallel lanes, SlowDown, AccessDenied, versioned buckets, conditional writes.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { S3Emulator } from '../../src/emulator/s3/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { StorageError } from '../../src/storage/errors.js';
import { openStorage } from '../../src/storage/open.js';
import { assetIdOf } from '../../src/storage/s3/stable-id.js';
import type { StoredAsset } from '../../src/storage/types.js';
import { describeStorageBackend } from '../support/storage-contract.js';

let emu: S3Emulator;
let s3: StorageBackend;
const notices: string[] = [];
const retries: string[] = [];

const open = (url: string, hosts: string[] = []) =>
  openStorage({ cloudinary: { hosts: [] }, storage: { url, hosts } }, { ...emu.env }, { onNotice: (m) => notices.push(m), onRetry: (m) => retries.push(m) });
const storeUrl = (prefix = '') => `s3://media/${prefix}?endpoint=${encodeURIComponent(emu.endpoint)}&forcePathStyle=true&region=us-east-1`;

beforeAll(async () => {
  emu = await S3Emulator.start({ buckets: ['media'] });
  // the AWS chain reads the environment: the backend gets no credentials of its own
  Object.assign(process.env, emu.env);
  s3 = await open(storeUrl());
});

afterAll(async () => {
  s3?.close();
  await emu?.stop();
});

describeStorageBackend('s3 (SDK → S3 emulator)', {
  world: () => ({
    backend: s3,
    put: (_p, key, bytes) => {
      const o = emu.put(key, { ...(bytes !== undefined ? { size: bytes } : {}) });
      return assetIdOf(key, o.etag);
    },
    replace: (_p, key) => assetIdOf(key, emu.put(key, { body: randomBytes(1024) }).etag),
    clear: () => emu.clear(),
  }),
});

const listAll = async (backend: StorageBackend): Promise<StoredAsset[]> => {
  const out: StoredAsset[] = [];
  let cursor: string | undefined;
  do {
    const page = await backend.listPage({ partition: backend.partitions[0]!, cursor, maxResults: backend.limits.pageSize });
    out.push(...page.assets);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
};

describe('s3 backend', () => {
  beforeEach(() => {
    emu.clear();
    notices.length = 0;
    retries.length = 0;
  });

  it('lists a deep tree in parallel lanes: every object once, folder objects included, nothing outside the prefix', async () => {
    const keys: string[] = [];
    for (let a = 0; a < 12; a++) for (let b = 0; b < 5; b++) for (let c = 0; c < 40; c++) keys.push(`media/u${a}/d${b}/f${c}.jpg`);
    keys.push('media/top.jpg', 'media/u3/', 'media/u3/d1/', 'media/zz/only.png');
    for (const k of keys) emu.put(k, { size: 10 });
    for (const k of ['static/app.css', 'mediax/not-mine.jpg', 'medi']) emu.put(k, { size: 10 });
    const scoped = await open(storeUrl('media'));
    emu.resetCalls();
    const listed = (await listAll(scoped)).map((a) => a.publicId);
    expect(listed.length).toBe(keys.length);
    expect(new Set(listed)).toEqual(new Set(keys));
    // 2,404 keys: at least 3 full pages, plus the delimiter pages that found the lanes
    expect(emu.calls('ListObjectsV2')).toBeGreaterThan(3);
    expect(emu.calls('ListObjectsV2')).toBeLessThan(200);
    scoped.close();
  });

  it('splits a flat level into key ranges: every key once, bounds and odd keys included, resumable mid-way', async () => {
    const keys = new Set<string>();
    for (let i = 0; i < 3000; i++) keys.add(createHash('sha1').update(String(i)).digest('hex').slice(0, 20));
    for (const k of ['1', 'a', 'a0', 'z', 'zz/deep/x', 'Zebra', '~tilde', 'é', '\u{1F600}', '9', '0', 'g/', 'g/h']) keys.add(k);
    for (const k of keys) emu.put(k, { size: 1 });
    emu.resetCalls();
    const first = await s3.listPage({ partition: s3.partitions[0]!, maxResults: 700 });
    const second = await s3.listPage({ partition: s3.partitions[0]!, maxResults: 700, cursor: first.nextCursor });
    const fresh = await open(storeUrl());
    const seen = [...first.assets, ...second.assets].map((a) => a.publicId);
    let cursor = second.nextCursor;
    while (cursor) {
      const page = await fresh.listPage({ partition: fresh.partitions[0]!, cursor, maxResults: 700 });
      seen.push(...page.assets.map((a) => a.publicId));
      cursor = page.nextCursor;
    }
    expect(seen.length).toBe(keys.size);
    expect(new Set(seen)).toEqual(keys);
    // ranges: one lane per bound (36) on top of ⌈3,013 / 700⌉ pages, not one page per key
    expect(emu.calls('ListObjectsV2')).toBeLessThan(80);
    fresh.close();
  });

  it('lists keys that XML cannot carry raw (control characters), and keys with spaces, + and %, as they are', async () => {
    const keys = ['odd/\u0001bell\u0008.jpg', 'odd/a b+c%20d.jpg', 'odd/100%.png', 'odd/tab\there.txt', 'odd/é ü/x.jpg'];
    for (const k of keys) emu.put(k, { size: 3 });
    const listed = (await listAll(s3)).map((a) => a.publicId);
    expect(listed.sort()).toEqual([...keys].sort());
    const found = await s3.lookup(s3.partitions[0]!, keys);
    expect(found.map((a) => a.publicId).sort()).toEqual([...keys].sort());
  });

  it('a checkpointed cursor resumes the listing exactly (pages fetched ahead are only a cache)', async () => {
    for (let i = 0; i < 30; i++) for (let j = 0; j < 70; j++) emu.put(`p${i}/k${j}`, { size: 1 });
    const first = await s3.listPage({ partition: s3.partitions[0]!, maxResults: 50 });
    const second = await s3.listPage({ partition: s3.partitions[0]!, maxResults: 50, cursor: first.nextCursor });
    const fresh = await open(storeUrl());
    const rest: StoredAsset[] = [];
    let cursor = second.nextCursor;
    while (cursor) {
      const page = await fresh.listPage({ partition: fresh.partitions[0]!, cursor, maxResults: 50 });
      rest.push(...page.assets);
      cursor = page.nextCursor;
    }
    const all = [...first.assets, ...second.assets, ...rest].map((a) => a.publicId);
    expect(all.length).toBe(2100);
    expect(new Set(all).size).toBe(2100);
    fresh.close();
  });

  it('retries SlowDown (503) with backoff, counting every call', async () => {
    emu.put('a.jpg');
    emu.failNext(3, { operations: ['ListObjectsV2'] });
    const before = s3.calls;
    expect((await listAll(s3)).map((a) => a.publicId)).toEqual(['a.jpg']);
    expect(s3.calls - before).toBe(4);
    expect(retries.length).toBe(3);
    expect(retries[0]).toMatch(/SlowDown \(503\).*retry 1 in \d+ ms/);
  });

  it('AccessDenied names the missing permission and what to grant', async () => {
    emu.put('a.jpg');
    emu.deny('s3:ListBucket');
    const err = (await listAll(s3).catch((e: unknown) => e)) as StorageError;
    expect(err).toBeInstanceOf(StorageError);
    expect(err.kind).toBe('auth');
    expect(err.message).toMatch(/AccessDenied — the credentials lack s3:ListBucket/);
    expect(err.fix).toMatch(/grant s3:ListBucket on arn:aws:s3:::media/);
    emu.allowAll();
    emu.deny('s3:DeleteObject');
    const [asset] = await s3.lookup(s3.partitions[0]!, ['a.jpg']);
    expect((await s3.delete([asset!.assetId!]))[0]!.outcome).toBe('access_denied (s3:DeleteObject is not granted)');
  });

  it('doctor checks each permission without changing anything', async () => {
    emu.setVersioning(true);
    emu.put('a.jpg');
    const ok = await s3.checkAccess!();
    expect(ok.map((c) => [c.what.split(' ')[0], c.status])).toEqual([
      ['s3:ListBucket', 'ok'],
      ['s3:GetObject', 'ok'],
      ['s3:GetBucketVersioning', 'ok'],
      ['s3:DeleteObject', 'ok'],
      ['s3:PutObject', 'warn'],
    ]);
    expect(emu.bucket().versionsOf('a.jpg')).toHaveLength(1);
    expect(emu.get('a.jpg')).toBeDefined();
    emu.deny('s3:DeleteObject', 's3:GetObject');
    const denied = await s3.checkAccess!();
    expect(denied.filter((c) => c.status === 'fail').map((c) => c.what.split(' ')[0])).toEqual(['s3:GetObject', 's3:DeleteObject']);
  });

  it('on a versioned bucket a delete writes a delete marker, says so once, and how to recover', async () => {
    emu.setVersioning(true);
    const ids = ['v/a.jpg', 'v/b.jpg'].map((k) => assetIdOf(k, emu.put(k).etag));
    expect((await s3.delete(ids)).map((o) => o.outcome)).toEqual(['deleted', 'deleted']);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/versioned: deleting wrote delete markers.*aws s3api delete-object --bucket media --key 'v\/a.jpg' --version-id \S+/);
    expect(emu.bucket().versionsOf('v/a.jpg').map((v) => v.deleteMarker)).toEqual([false, true]);
  });

  it('a store that ignores the ETag condition still deletes only what it is asked (the last check guards the rest)', async () => {
    emu.setConditionalDeletes(false);
    const id = assetIdOf('x.jpg', emu.put('x.jpg').etag);
    expect((await s3.delete([id]))[0]!.outcome).toBe('deleted');
    expect(emu.get('x.jpg')).toBeUndefined();
  });

  it('DeleteObjects carries a Content-MD5, which older S3-compatible stores require', async () => {
    emu.setRequireContentMd5(true);
    const id = assetIdOf('md5.jpg', emu.put('md5.jpg').etag);
    expect((await s3.delete([id]))[0]!.outcome).toBe('deleted');
  });

  it('restore uploads with If-None-Match: *, never over an object that is there', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 's3-restore-'));
    const file = path.join(dir, 'a.jpg');
    writeFileSync(file, Buffer.alloc(3000, 1));
    const put = await s3.upload!(file, { publicId: 'back/a.jpg', resourceType: 'object', type: 's3' });
    expect(put.bytes).toBe(3000);
    expect(emu.get('back/a.jpg')?.contentType).toBe('image/jpeg');
    emu.put('back/b.jpg', { size: 5 });
    const again = await s3.upload!(file, { publicId: 'back/b.jpg', resourceType: 'object', type: 's3' });
    expect(again.existing).toBe(true);
    expect(emu.get('back/b.jpg')?.size).toBe(5);
  });

  it('restore never overwrites, even on a store that ignores If-None-Match: HeadObject first, existing on 200', async () => {
    emu.setConditionalWrites(false);
    const dir = mkdtempSync(path.join(tmpdir(), 's3-restore-'));
    const file = path.join(dir, 'a.jpg');
    writeFileSync(file, Buffer.alloc(3000, 1));
    const there = emu.put('back/c.jpg', { size: 5 });
    emu.resetCalls();
    const again = await s3.upload!(file, { publicId: 'back/c.jpg', resourceType: 'object', type: 's3' });
    expect(again).toEqual({ existing: true, public_id: 'back/c.jpg', asset_id: assetIdOf('back/c.jpg', there.etag) });
    expect(emu.get('back/c.jpg')?.size).toBe(5);
    expect(emu.calls('PutObject')).toBe(0);
    // a key that is free is still written
    expect((await s3.upload!(file, { publicId: 'back/d.jpg', resourceType: 'object', type: 's3' })).bytes).toBe(3000);
    expect(emu.get('back/d.jpg')?.size).toBe(3000);
  });

  it('restore reports existing when an object appears between its HeadObject and the conditional PutObject (412)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 's3-restore-'));
    const file = path.join(dir, 'a.jpg');
    writeFileSync(file, Buffer.alloc(3000, 1));
    emu.failNext(1, { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold', operations: ['PutObject'] });
    const raced = await s3.upload!(file, { publicId: 'back/e.jpg', resourceType: 'object', type: 's3' });
    expect(raced.existing).toBe(true);
    expect(emu.get('back/e.jpg')).toBeUndefined();
  });

  it('a lookup outside the configured prefix finds nothing; --prefix narrows within it and is refused outside it', async () => {
    emu.put('media/a.jpg');
    emu.put('other/a.jpg');
    emu.put('media/sub/b.jpg');
    const scoped = await open(storeUrl('media/'));
    expect((await scoped.lookup(scoped.partitions[0]!, ['media/a.jpg', 'other/a.jpg'])).map((a) => a.publicId)).toEqual(['media/a.jpg']);
    const page = await scoped.listPage({ partition: scoped.partitions[0]!, prefix: 'media/sub/', maxResults: 1000 });
    expect(page.assets.map((a) => a.publicId)).toEqual(['media/sub/b.jpg']);
    await expect(scoped.listPage({ partition: scoped.partitions[0]!, prefix: 'sub/', maxResults: 1000 })).rejects.toThrow(/--prefix "sub\/" is outside s3:\/\/media\/media\/: give the whole key prefix, e.g. --prefix media\/sub\//);
    scoped.close();
  });
});

describe('s3 backend: listing times', () => {
  it('keeps LastModified to whole seconds, so a listing and a HeadObject of one object agree', async () => {
    emu.clear();
    emu.put('t.jpg', { lastModified: new Date('2026-01-02T03:04:05.678Z') });
    const [listed] = (await s3.listPage({ partition: s3.partitions[0]!, maxResults: 10 })).assets;
    const [looked] = await s3.lookup(s3.partitions[0]!, ['t.jpg']);
    expect(listed!.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(looked!.createdAt).toBe(listed!.createdAt);
    expect(looked!.assetId).toBe(listed!.assetId);
  });
});
