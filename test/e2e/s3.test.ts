/**
 * An app whose media is in an S3 bucket (django-storages with AWS_LOCATION="media" and a CloudFront
 * domain), end to end through the CLI: detect finds exactly the orphans under the prefix and the
 * missing object, delete removes the reviewed ones after backing them up (and leaves an object
 * replaced since then alone), restore puts the originals back and never overwrites. On PostgreSQL
 * (TEST_DATABASE_URL, else PGlite) and SQLite; the store is the S3 emulator, reached by the SDK.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3Emulator } from '../../src/emulator/s3/index.js';
import { runCli, workspace } from '../support/cli.js';
import { TEST_DATABASES, type TestDatabase } from '../support/database.js';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const DAY = 86_400_000;

describe.each(TEST_DATABASES.filter((d) => d.name !== 'mariadb'))('an app on S3 with $name', ({ start }) => {
  let emu: S3Emulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  const orphanBytes = new Map<string, Buffer>();

  beforeAll(async () => {
    emu = await S3Emulator.start({ buckets: ['media'] });
    db = await start();
    const old = new Date(Date.now() - 60 * DAY);
    for (let i = 0; i < 5; i++) emu.put(`media/avatars/u${i}.jpg`, { lastModified: old });
    for (let i = 0; i < 3; i++) emu.put(`media/posts/p${i}.jpg`, { lastModified: old });
    for (let i = 0; i < 3; i++) {
      const body = randomBytes(2000 + i);
      orphanBytes.set(`media/orphans/o${i}.png`, body);
      emu.put(`media/orphans/o${i}.png`, { body, lastModified: old });
    }
    emu.put('media/fresh/new.jpg');
    // named only through a custom domain nobody listed in storage.hosts: protected, not an orphan
    emu.put('media/custom/kept.jpg', { lastModified: old });
    emu.put('static/app.css', { lastModified: old });
    await db.exec(`CREATE TABLE profile (id int PRIMARY KEY, avatar varchar(255))`);
    await db.exec(`CREATE TABLE post (id int PRIMARY KEY, title varchar(200), body text)`);
    // django-storages keeps names relative to AWS_LOCATION
    for (let i = 0; i < 5; i++) await db.exec(`INSERT INTO profile VALUES (${i}, ${q(`avatars/u${i}.jpg`)})`);
    const base = `${emu.endpoint}/media`;
    const bodies = [
      // an AWS URL of a bucket named like ours, while the store is at a custom endpoint: protected, never required
      `<img src="https://media.s3.eu-west-1.amazonaws.com/media/posts/p0.jpg">`,
      `<img src="${base}/media/posts/p1.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&amp;X-Amz-Signature=deadbeefsecret">`,
      `<img src="https://d111111abcdef8.cloudfront.net/media/posts/p2.jpg">`,
      `<img src="${base}/media/posts/lost.jpg?X-Amz-Signature=deadbeefsecret"> and s3://other-bucket/media/orphans/o0.png`,
      `<img src="https://d111111abcdef8.cloudfront.net/media/fresh/new.jpg"> <img src="https://media.example.org/media/custom/kept.jpg">`,
    ];
    for (const [i, body] of bodies.entries()) await db.exec(`INSERT INTO post VALUES (${i}, ${q(`Post ${i}`)}, ${q(body)})`);
    env = {
      ...emu.env,
      STORAGE_URL: `s3://media/media?endpoint=${encodeURIComponent(emu.endpoint)}&forcePathStyle=true&region=us-east-1`,
      DATABASE_URL: db.url,
    };
    dir = workspace({
      'asset-audit.config.json': {
        references: [
          { name: 'profiles', table: 'profile', column: 'avatar', id: 'id' },
          { name: 'posts', table: 'post', column: 'body', id: 'id', title: 'title' },
        ],
        storage: { hosts: ['d111111abcdef8.cloudfront.net'] },
      },
    });
  });

  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('doctor checks each S3 permission', async () => {
    const run = await runCli(['doctor'], { cwd: dir, env });
    expect(run.stderr + run.stdout).toMatch(/s3:ListBucket/);
    expect(run.stderr + run.stdout).toMatch(/s3:DeleteObject/);
    emu.deny('s3:DeleteObject');
    const denied = await runCli(['doctor'], { cwd: dir, env });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr + denied.stdout).toMatch(/lack s3:DeleteObject/);
    emu.allowAll();
  });

  it('detect without s3:ListBucket stops and names the permission to grant', async () => {
    emu.deny('s3:ListBucket');
    const run = await runCli(['detect', '--all', '-o', 'denied.csv'], { cwd: dir, env });
    emu.allowAll();
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Grant s3:ListBucket on arn:aws:s3:::media to the identity asset-audit runs as/);
    expect(run.stderr).toMatch(/AccessDenied — the credentials lack s3:ListBucket/);
  });

  it('detect finds exactly the orphans under the prefix and the missing object; no signature anywhere', async () => {
    const run = await runCli(['detect', '--all', '-o', 'r.csv', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout) as { orphans: Array<{ publicId: string }>; missing: Array<{ publicId: string; title: string }> };
    expect(result.orphans.map((o) => o.publicId).sort()).toEqual(['media/orphans/o0.png', 'media/orphans/o1.png', 'media/orphans/o2.png']);
    expect(result.missing).toEqual([expect.objectContaining({ publicId: 'media/posts/lost.jpg', title: 'Post 3' })]);
    const csv = readFileSync(path.join(dir, 'r.csv'), 'utf8');
    expect(csv).toContain('ORPHANED S3 OBJECTS');
    expect(csv).toContain('key,size_bytes,size_mb,last_modified,s3_uri,object_id,note');
    expect(csv).toContain('s3://media/media/orphans/o1.png');
    for (const text of [csv, run.stdout, run.stderr]) expect(text).not.toContain('deadbeefsecret');
  });

  it('--prefix is a whole-key prefix: one under the configured prefix narrows the scan, one outside it is refused', async () => {
    const narrow = await runCli(['detect', '--all', '--prefix', 'media/orphans/', '--json', '-o', 'narrow.csv'], { cwd: dir, env });
    expect(narrow.code, narrow.stderr).toBe(1);
    expect((JSON.parse(narrow.stdout) as { orphans: unknown[] }).orphans).toHaveLength(3);
    const outside = await runCli(['detect', '--all', '--prefix', 'orphans/', '-o', 'outside.csv'], { cwd: dir, env });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--prefix "orphans\/" is outside s3:\/\/media\/media\/: give the whole key prefix, e.g. --prefix media\/orphans\//);
  });

  it('--days keeps the whole key-ordered listing and reports only recent orphans', async () => {
    // keys in order: a recent orphan sorts after old objects and must still be reached
    emu.put('media/zz-recent/orphan.jpg');
    const run = await runCli(['detect', '--days', '7', '--json', '-o', 'recent.csv'], { cwd: dir, env });
    emu.remove('media/zz-recent/orphan.jpg');
    expect(run.stderr).not.toMatch(/error/i);
    const result = JSON.parse(run.stdout) as { orphans: Array<{ publicId: string }>; missing: Array<{ publicId: string }> };
    expect(result.orphans.map((o) => o.publicId)).toEqual(['media/zz-recent/orphan.jpg']);
    // absence is not proven by a --days listing: the gone object is looked up (HeadObject) and still missing
    expect(result.missing.map((m) => m.publicId)).toEqual(['media/posts/lost.jpg']);
  });

  it('delete backs up and removes the reviewed orphans (delete markers on a versioned bucket, said so); one replaced since the review is left alone', async () => {
    // another upload under a reviewed key: another ETag, so not the reviewed object
    emu.put('media/orphans/o2.png', { body: Buffer.from('a new file under the old name') });
    emu.resetCalls();
    // a versioned bucket: the delete leaves markers, and says how to undo them
    emu.setVersioning(true);
    const run = await runCli(['delete', '--input', 'r.csv', '--confirm', '--backup-dir', 'backup'], { cwd: dir, env });
    expect(run.stderr).toMatch(/s3:\/\/media is versioned: deleting wrote delete markers.*aws s3api delete-object --bucket media --key 'media\/orphans\/o0\.png' --version-id/);
    expect(emu.bucket().versionsOf('media/orphans/o1.png').at(-1)?.deleteMarker).toBe(true);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Skipped, replaced .* since the scan[^\n]*: 1\n {2}- media\/orphans\/o2\.png/);
    expect(emu.get('media/orphans/o0.png')).toBeUndefined();
    expect(emu.get('media/orphans/o1.png')).toBeUndefined();
    expect(emu.get('media/orphans/o2.png')?.size).toBe(29);
    for (const k of ['media/avatars/u0.jpg', 'media/posts/p1.jpg', 'media/fresh/new.jpg', 'static/app.css']) expect(emu.get(k), k).toBeDefined();
    expect(emu.calls('DeleteObjects')).toBe(1);
    const manifest = readFileSync(path.join(dir, 'backup', 'manifest.jsonl'), 'utf8').trim().split('\n');
    expect(manifest).toHaveLength(2);
    expect(run.stderr).not.toContain('X-Amz-Signature');
  });

  it('restore puts the originals back byte for byte, then never overwrites', async () => {
    const run = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    for (const k of ['media/orphans/o0.png', 'media/orphans/o1.png']) {
      expect(emu.get(k)?.body?.equals(orphanBytes.get(k)!), k).toBe(true);
      expect(emu.get(k)?.contentType, k).toBe('image/png');
    }
    expect(run.stdout + run.stderr).toMatch(/Restored 2, skipped \(exists already\) 0, failed 0/);
    // the objects are there again: a second restore leaves them as they are, even on a store that
    // ignores If-None-Match (B2): the HeadObject before each upload finds them, so none is sent
    emu.put('media/orphans/o1.png', { body: Buffer.from('changed since') });
    emu.setConditionalWrites(false);
    const again = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(1);
    expect(again.stdout + again.stderr).toMatch(/Restored 0, skipped \(exists already\) 2, failed 0/);
    expect(emu.get('media/orphans/o1.png')?.body?.toString()).toBe('changed since');
    expect(emu.calls('PutObject')).toBe(2);
  });
});
