/**
 * The S3 emulator's self-test: the unmodified @aws-sdk/client-s3 drives it over loopback, and
 * every answer is checked against what the S3 API reference says the real service does.
 */
import { mkdtempSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3Emulator } from '../../src/emulator/s3/index.js';

let emu: S3Emulator;
let s3: S3Client;
const Bucket = 'media';

const client = (extra: Partial<ConstructorParameters<typeof S3Client>[0]> = {}) =>
  new S3Client({
    endpoint: emu.endpoint,
    region: emu.region,
    forcePathStyle: true,
    credentials: { accessKeyId: emu.accessKeyId, secretAccessKey: emu.secretAccessKey },
    ...extra,
  });

async function failure(p: Promise<unknown>): Promise<S3ServiceException> {
  try {
    await p;
  } catch (err) {
    if (err instanceof S3ServiceException) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

async function listAll(input: { Prefix?: string; Delimiter?: string; MaxKeys?: number; StartAfter?: string }) {
  const pages: ListObjectsV2CommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket, ...input, ...(token ? { ContinuationToken: token } : {}) }));
    pages.push(page);
    token = page.NextContinuationToken;
    expect(Boolean(token)).toBe(page.IsTruncated);
  } while (token);
  return {
    pages,
    keys: pages.flatMap((p) => (p.Contents ?? []).map((c) => c.Key!)),
    prefixes: pages.flatMap((p) => (p.CommonPrefixes ?? []).map((c) => c.Prefix!)),
  };
}

beforeAll(async () => {
  emu = await S3Emulator.start({ buckets: ['media', 'other'] });
  s3 = client();
});

afterAll(async () => {
  s3?.destroy();
  await emu?.stop();
});

beforeEach(() => emu.clear());

describe('S3 emulator through the official SDK', () => {
  it('PutObject (a streamed file), HeadObject and GetObject agree on bytes, size and ETag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's3-emu-'));
    const file = join(dir, 'a.bin');
    writeFileSync(file, Buffer.alloc(70_000, 7));
    const put = await s3.send(new PutObjectCommand({ Bucket, Key: 'up/a.bin', Body: createReadStream(file), ContentLength: 70_000 }));
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'up/a.bin' }));
    expect(head.ContentLength).toBe(70_000);
    expect(head.ETag).toBe(put.ETag);
    expect(head.ETag).toMatch(/^"[0-9a-f]{32}"$/);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'up/a.bin' }));
    const bytes = await got.Body!.transformToByteArray();
    expect(Buffer.from(bytes).equals(Buffer.alloc(70_000, 7))).toBe(true);
  });

  it('PutObject with If-None-Match: * never overwrites (412 PreconditionFailed)', async () => {
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', IfNoneMatch: '*' }));
    const err = await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', IfNoneMatch: '*' })));
    expect(err.name).toBe('PreconditionFailed');
    expect(err.$metadata.httpStatusCode).toBe(412);
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('one');
  });

  it('a store that ignores If-None-Match (setConditionalWrites(false), as B2 does) overwrites', async () => {
    emu.setConditionalWrites(false);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'one', IfNoneMatch: '*' }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k', Body: 'two', IfNoneMatch: '*' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'k' }));
    expect(await got.Body!.transformToString()).toBe('two');
  });

  it('HeadObject of a missing key is 404 NotFound, and 403 without s3:ListBucket', async () => {
    const missing = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'nope' })));
    expect(missing.$metadata.httpStatusCode).toBe(404);
    expect(missing.name).toBe('NotFound');
    emu.deny('s3:ListBucket');
    const hidden = await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'nope' })));
    expect(hidden.$metadata.httpStatusCode).toBe(403);
  });

  it('ListObjectsV2 pages with continuation tokens, in UTF-8 binary order, KeyCount per page', async () => {
    const keys = ['b', 'a/1', 'a/2', 'é', '\u{1F600}', '\uFFFD', 'a/b/c', 'c d', 'z'];
    for (const k of keys) emu.put(k);
    const { pages, keys: listed } = await listAll({ MaxKeys: 2 });
    expect(listed).toEqual([...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
    expect(listed.indexOf('\uFFFD')).toBeLessThan(listed.indexOf('\u{1F600}'));
    expect(pages.map((p) => p.KeyCount)).toEqual([2, 2, 2, 2, 1]);
    expect(pages[0]!.Contents![0]!.Size).toBe(1024);
    expect(pages[0]!.Contents![0]!.LastModified).toBeInstanceOf(Date);
  });

  it('a delimiter rolls keys up into CommonPrefixes, counted in MaxKeys, never repeated across pages', async () => {
    for (const k of ['top.jpg', 'a/1', 'a/2', 'a/3', 'b/x/1', 'b/y', 'c', 'd/1', 'media/p/1', 'media/p/2', 'media/q', 'media/r/s/t']) emu.put(k);
    for (const max of [1, 2, 3, 1000]) {
      const { keys, prefixes } = await listAll({ Delimiter: '/', MaxKeys: max });
      expect(keys).toEqual(['c', 'top.jpg']);
      expect(prefixes).toEqual(['a/', 'b/', 'd/', 'media/']);
      const nested = await listAll({ Prefix: 'media/', Delimiter: '/', MaxKeys: max });
      expect(nested.keys).toEqual(['media/q']);
      expect(nested.prefixes).toEqual(['media/p/', 'media/r/']);
    }
  });

  it('StartAfter starts the first page after a key; Prefix limits; a bad token is 400', async () => {
    for (const k of ['a', 'b', 'c', 'p/1', 'p/2']) emu.put(k);
    expect((await listAll({ StartAfter: 'b' })).keys).toEqual(['c', 'p/1', 'p/2']);
    expect((await listAll({ Prefix: 'p/', StartAfter: 'p/1' })).keys).toEqual(['p/2']);
    expect((await listAll({ Prefix: 'p/', StartAfter: 'a' })).keys).toEqual(['p/1', 'p/2']);
    const err = await failure(s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken: 'garbage' })));
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it('DeleteObjects: per-key results, quiet mode, conditional ETags, at most 1,000 keys', async () => {
    const a = emu.put('d/a');
    emu.put('d/b');
    emu.put('d/c');
    const out = await s3.send(
      new DeleteObjectsCommand({
        Bucket,
        Delete: {
          Objects: [
            { Key: 'd/a', ETag: a.etag },
            { Key: 'd/b', ETag: '"00000000000000000000000000000000"' },
            { Key: 'd/gone', ETag: a.etag },
            { Key: 'd/unconditional-absent' },
          ],
        },
      }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['d/a', 'd/unconditional-absent']);
    expect(out.Errors?.map((e) => [e.Key, e.Code])).toEqual([
      ['d/b', 'PreconditionFailed'],
      ['d/gone', 'NoSuchKey'],
    ]);
    expect(emu.get('d/a')).toBeUndefined();
    expect(emu.get('d/b')).toBeDefined();

    const quiet = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: [{ Key: 'd/c' }] } }));
    expect(quiet.Deleted ?? []).toEqual([]);
    expect(quiet.Errors ?? []).toEqual([]);
    expect(emu.get('d/c')).toBeUndefined();

    emu.deny('s3:DeleteObject');
    const denied = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Quiet: true, Objects: [{ Key: 'd/b' }] } }));
    expect(denied.Errors?.map((e) => e.Code)).toEqual(['AccessDenied']);

    // the SDK sends a CRC32, not a Content-MD5: a store that insists on the latter refuses it
    emu.allowAll();
    emu.setRequireContentMd5(true);
    const md5 = await failure(s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'd/b' }] } })));
    expect(md5.$metadata.httpStatusCode).toBe(400);
    expect(md5.message).toMatch(/Content-MD5/);
    emu.setRequireContentMd5(false);

    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ Key: `x${i}` }));
    const err = await failure(s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: tooMany } })));
    expect(err.name).toBe('MalformedXML');
  });

  it('a versioned bucket writes a delete marker; removing it brings the object back', async () => {
    emu.setVersioning(true);
    const obj = emu.put('v/a');
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');
    const out = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'v/a', ETag: obj.etag }] } }));
    expect(out.Deleted?.[0]?.DeleteMarker).toBe(true);
    const marker = out.Deleted![0]!.DeleteMarkerVersionId!;
    expect(emu.get('v/a')).toBeUndefined();
    emu.bucket().removeVersion('v/a', marker);
    expect(emu.get('v/a')?.etag).toBe(obj.etag);
  });

  it('SlowDown (503) is retried by the SDK; with one attempt it surfaces as SlowDown', async () => {
    emu.put('r');
    emu.failNext(2, { operations: ['HeadObject'] });
    expect((await s3.send(new HeadObjectCommand({ Bucket, Key: 'r' }))).ContentLength).toBe(1024);
    const once = client({ maxAttempts: 1 });
    emu.failNext(1, { operations: ['ListObjectsV2'] });
    const err = await failure(once.send(new ListObjectsV2Command({ Bucket })));
    expect(err.name).toBe('SlowDown');
    expect(err.$metadata.httpStatusCode).toBe(503);
    once.destroy();
  });

  it('AccessDenied per permission, and an unknown access key is refused', async () => {
    emu.deny('s3:ListBucket');
    const err = await failure(s3.send(new ListObjectsV2Command({ Bucket })));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata.httpStatusCode).toBe(403);
    emu.allowAll();
    const stranger = client({ credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' } });
    expect((await failure(stranger.send(new ListObjectsV2Command({ Bucket })))).name).toBe('InvalidAccessKeyId');
    stranger.destroy();
    expect((await failure(s3.send(new ListObjectsV2Command({ Bucket: 'nope' })))).name).toBe('NoSuchBucket');
  });

  it('a presigned GET serves the bytes until it expires', async () => {
    emu.put('p/file', { size: 4321 });
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'p/file' }), { expiresIn: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(4321);
    const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'p/file' }), { expiresIn: 1, signingDate: new Date(Date.now() - 60_000) });
    expect((await fetch(expired)).status).toBe(403);
  });

  it('virtual-hosted requests name the bucket in the Host header', async () => {
    emu.put('vh/a', { bucket: 'other' });
    // fetch does not let a caller set Host; node:http does
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${emu.endpoint}/vh/a`, { headers: { host: 'other.s3.localhost', authorization: `AWS4-HMAC-SHA256 Credential=${emu.accessKeyId}/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });
});
