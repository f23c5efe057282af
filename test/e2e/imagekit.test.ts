/**
 * ImageKit end to end: the CLI spawned against the ImageKit emulator (@imagekit/nodejs over
 * loopback) and a real database, detect → review → delete (with backups) → restore. URL forms of
 * this library protect their files; another library's URL protects nothing; the private key
 * never shows.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageKitEmulator, generateFiles } from '../../src/emulator/imagekit/index.js';
import { runCli, workspace } from '../support/cli.js';
import { TEST_DATABASES, type TestDatabase } from '../support/database.js';

const DAY = 86_400_000;

describe.each(TEST_DATABASES)('ImageKit: detect → delete → restore, references in $name', (database) => {
  let emu: ImageKitEmulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  const key = 'private_e2e+secret/KEY=';

  beforeAll(async () => {
    emu = await ImageKitEmulator.start({ urlEndpointId: 'shop', privateKey: key });
    db = await database.start();
    const old = Date.now() - 10 * DAY;
    for (let i = 0; i < 5; i++) emu.addFile({ filePath: `/used/${i}.jpg`, createdAt: old + i });
    emu.addFile({ filePath: '/blog/hero.jpg', createdAt: old });
    for (let i = 0; i < 120; i++) emu.addFile({ filePath: `/orphan/${i}.jpg`, createdAt: old + 1000 + i, data: Buffer.from(`bytes of orphan ${i}`) });
    emu.addFile({ filePath: '/fresh/1.jpg', createdAt: Date.now() - 3_600_000 });
    await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text)`);
    await db.exec(`CREATE TABLE posts (id int PRIMARY KEY, body text)`);
    const rows = ['used/0.jpg', '/used/1.jpg', 'https://ik.imagekit.io/shop/used/2.jpg?tr=w-100', 'https://ik.imagekit.io/shop/tr:n-thumb/used/3.jpg', 'https://ik.imagekit.io/shop/tr:w-300,h-200/used/4.jpg', 'gone/x.jpg', 'https://ik.imagekit.io/other/orphan/7.jpg'];
    await db.exec(`INSERT INTO photos VALUES ${rows.map((r, i) => `(${i + 1}, '${r}')`).join(', ')}`);
    await db.exec(`INSERT INTO posts VALUES (1, '<p><img srcset="https://ik.imagekit.io/shop/tr:w-300/blog/hero.jpg 300w, https://ik.imagekit.io/shop/tr:w-600/blog/hero.jpg 600w"></p>')`);
    env = { STORAGE_URL: emu.storageUrl, DATABASE_URL: db.url };
    dir = workspace({
      'asset-audit.config.json': {
        references: [
          { name: 'photos', table: 'photos', column: 'image', id: 'id' },
          { name: 'posts', table: 'posts', column: 'body', id: 'id', extract: 'text' },
        ],
      },
    });
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('init finds both columns with ImageKit\'s own grammar (paths, URLs, rich text)', async () => {
    const fresh = workspace();
    const run = await runCli(['init'], { cwd: fresh, env });
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(path.join(fresh, 'asset-audit.config.json'), 'utf8');
    expect(text).toMatch(/"table": "photos", "column": "image"/);
    expect(text).toMatch(/"table": "posts", "column": "body"/);
    expect(run.stderr + run.stdout).not.toContain('e2e+secret');
  });

  it('detect reports the orphans and the missing file in ImageKit words, and never shows the key', async () => {
    const run = await runCli(['detect', '-o', 'report.csv'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const csv = readFileSync(path.join(dir, 'report.csv'), 'utf8');
    expect(csv).toContain('ORPHANED IMAGEKIT FILES');
    expect(csv).toContain('file_path,size_bytes,size_mb,format,uploaded_at,imagekit_url,file_id,note');
    const orphans = csv.split('\n').filter((l) => /^(orphan|fresh)\//.test(l));
    expect(orphans).toHaveLength(121);
    // another library's URL protects nothing here; this library's forms protect theirs
    expect(csv).toMatch(/^orphan\/7\.jpg,/m);
    expect(csv).not.toMatch(/^(used\/\d|blog\/hero)\.jpg,/m);
    expect(csv).toContain('gone/x.jpg');
    for (const text of [run.stdout, run.stderr, csv, readFileSync(path.join(dir, 'report.json'), 'utf8')]) {
      expect(text).not.toContain('e2e+secret');
      expect(text).not.toContain(encodeURIComponent(key));
    }
  });

  it('delete --confirm deletes by fileId in batches of ≤ 100 after the re-checks, with backups', async () => {
    // between review and delete: a row starts using orphan/1, orphan/2 is replaced by another file
    await db.exec(`INSERT INTO photos VALUES (100, 'https://ik.imagekit.io/shop/orphan/1.jpg')`);
    const replaced = emu.fileAt('/orphan/2.jpg')!;
    emu.removeFile(replaced.fileId);
    const newer = emu.addFile({ filePath: '/orphan/2.jpg', createdAt: Date.now() - 5 * DAY });
    emu.clearRequests();
    const run = await runCli(['delete', '--input', 'report.csv', '--confirm', '--backup-dir', 'backup'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1); // some candidates were held back
    const deletes = emu.requests.filter((r) => r.path === '/v1/files/batch/deleteByFileIds');
    const sent = deletes.flatMap((r) => (r.body as { fileIds: string[] }).fileIds);
    expect(deletes.every((r) => (r.body as { fileIds: string[] }).fileIds.length <= 100)).toBe(true);
    expect(sent).toHaveLength(118);
    expect(sent).not.toContain(newer.fileId);
    const left = emu.files().map((f) => f.filePath).sort();
    expect(left).toEqual(['/blog/hero.jpg', '/fresh/1.jpg', '/orphan/1.jpg', '/orphan/2.jpg', ...[0, 1, 2, 3, 4].map((i) => `/used/${i}.jpg`)].sort());
    expect(emu.fileAt('/orphan/2.jpg')?.fileId).toBe(newer.fileId);
    const manifest = readFileSync(path.join(dir, 'backup', 'manifest.jsonl'), 'utf8').trim().split('\n');
    expect(manifest).toHaveLength(118);
    expect(run.stderr + run.stdout).not.toContain('e2e+secret');
  });

  it('restore uploads the backups to their paths (new fileIds, same bytes) and never overwrites', async () => {
    const squatter = emu.addFile({ filePath: '/orphan/9.jpg', data: Buffer.from('a newer file') });
    const run = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Restored 117, skipped \(exists already\) 1, failed 0/);
    expect(emu.fileAt('/orphan/9.jpg')?.fileId).toBe(squatter.fileId);
    expect(emu.fileAt('/orphan/9.jpg')?.data?.toString()).toBe('a newer file');
    expect(emu.fileAt('/orphan/5.jpg')?.data?.toString()).toBe('bytes of orphan 5');
    expect(emu.files().filter((f) => f.filePath.startsWith('/orphan/'))).toHaveLength(120);
  });
});

describe('ImageKit: a scan stopped by the rate limit resumes to the same report', () => {
  let emu: ImageKitEmulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  const key = 'private_resume_secret';
  const config = { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] };
  const orphanRows = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => /^f\d\d\//.test(l)).sort();

  beforeAll(async () => {
    emu = await ImageKitEmulator.start({ urlEndpointId: 'resume', privateKey: key });
    // inside detect's default --days window, however long the test takes
    emu.addFiles(generateFiles(2500, { start: new Date(Date.now() - 10 * DAY) }));
    db = await TEST_DATABASES.find((d) => d.name === 'sqlite')!.start();
    await db.exec('CREATE TABLE photos (id int PRIMARY KEY, image text)');
    const used = emu.files().filter((_, i) => i % 2 === 0);
    await db.exec(`INSERT INTO photos VALUES ${used.map((f, i) => `(${i}, 'https://ik.imagekit.io/resume/tr:w-100${f.filePath}')`).join(', ')}`);
    env = { STORAGE_URL: emu.storageUrl, DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('stops with exit 4 and a checkpoint when the window is spent, and --resume finishes the same scan', async () => {
    const whole = workspace({ 'asset-audit.config.json': config });
    const full = await runCli(['detect', '-o', 'full.csv'], { cwd: whole, env });
    expect(full.code, full.stderr).toBe(1);

    const dir = workspace({ 'asset-audit.config.json': config });
    emu.setRateLimit({ limit: 2, intervalMs: 15 * 60_000 });
    const first = await runCli(['detect', '-o', 'first.csv'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/ImageKit rate limit/);
    const reports = path.join(dir, 'reports');
    const checkpoint = readdirSync(reports).find((f) => f.endsWith('.checkpoint.json'));
    expect(checkpoint, readdirSync(reports).join(', ')).toBeDefined();
    expect(readFileSync(path.join(reports, checkpoint!), 'utf8')).not.toContain(key);
    expect(first.stderr).not.toContain(key);

    emu.setRateLimit({ limit: 10_000, intervalMs: 1000 });
    const second = await runCli(['detect', '--resume', path.join(reports, checkpoint!), '-o', 'resumed.csv'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(1);
    expect(orphanRows(path.join(dir, 'resumed.csv'))).toEqual(orphanRows(path.join(whole, 'full.csv')));
    expect(orphanRows(path.join(dir, 'resumed.csv'))).toHaveLength(1250);
  });
});
