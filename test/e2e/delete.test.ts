import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, signalWhen, workspace } from '../support/cli.js';
import { startDatabase, TEST_DATABASES, type TestDatabase } from '../support/database.js';

const DAY = 86_400_000;
const config = {
  references: [
    { name: 'photos', table: 'photos', column: 'image', id: 'id' },
    { name: 'posts', table: 'posts', column: 'body', id: 'id', extract: 'text' },
  ],
  ignore: ['keep/**'],
};

interface World {
  emu: CloudinaryEmulator;
  db: TestDatabase;
  env: Record<string, string>;
  dir: string;
  report: string;
}

/** An account with 150 old orphans, 5 used assets, one fresh orphan, and a detect report of it. */
async function world(cloudName: string, start: () => Promise<TestDatabase> = startDatabase): Promise<World> {
  const emu = await CloudinaryEmulator.start({ cloudName, apiKey: '42', apiSecret: 'delete-test-secret' });
  const db = await start();
  const old = new Date(Date.now() - 10 * DAY).toISOString();
  for (let i = 0; i < 5; i++) emu.addAsset({ public_id: `used/${i}`, created_at: old });
  for (let i = 0; i < 150; i++) emu.addAsset({ public_id: `orphan/${i}`, created_at: old });
  emu.addAsset({ public_id: 'fresh/1', created_at: new Date(Date.now() - 3_600_000).toISOString() });
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text); CREATE TABLE posts (id int PRIMARY KEY, body text);`);
  await db.exec(`INSERT INTO photos VALUES ${[0, 1, 2, 3, 4].map((i) => `(${i}, 'used/${i}')`).join(',')}`);
  await db.exec(`INSERT INTO posts VALUES (1, '<p>no images</p>')`);
  const env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  const dir = workspace({ 'asset-audit.config.json': config });
  const detect = await runCli(['detect', '--days', '30', '-o', 'report.csv'], { cwd: dir, env });
  if (detect.code !== 1) throw new Error(`detect: ${detect.code} ${detect.stderr}`);
  return { emu, db, env, dir, report: path.join(dir, 'report.csv') };
}

const deleteCalls = (emu: CloudinaryEmulator) =>
  emu.requests.filter((r) => r.kind === 'admin' && r.method === 'DELETE').flatMap((r) => (r.params.public_ids as string[] | undefined) ?? []);

describe.each(TEST_DATABASES)('delete from a confirmed report, references in $name', (database) => {
  let w: World;
  beforeAll(async () => {
    w = await world('del-cloud', database.start);
    // between detect and delete: two orphans become referenced (a column, and rich text only),
    // one is replaced in Cloudinary by a different file under the same public_id
    await w.db.exec(`INSERT INTO photos VALUES (100, 'orphan/1')`);
    await w.db.exec(`INSERT INTO posts VALUES (2, '<p><img srcset="https://res.cloudinary.com/del-cloud/image/upload/c_scale,w_300/v1/orphan/2.jpg 300w"></p>')`);
    w.emu.removeAsset('image', 'upload', 'orphan/3');
    w.emu.addAsset({ public_id: 'orphan/3', bytes: 777, created_at: new Date(Date.now() - 5 * DAY).toISOString() });
  });
  afterAll(async () => {
    await w?.emu.stop();
    await w?.db.close();
  });

  it('is a dry run by default: explains every decision and deletes nothing', async () => {
    const before = w.emu.assetCount;
    const run = await runCli(['delete', '--input', w.report], { cwd: w.dir, env: w.env });
    expect(run.code, run.stderr).toBe(1);
    expect(w.emu.assetCount).toBe(before);
    expect(deleteCalls(w.emu)).toEqual([]);
    expect(run.stderr).toContain('Would delete 147 asset(s)');
    expect(run.stderr).toMatch(/Skipped, referenced in the database now: 2\n {2}- orphan\/1\n {2}- orphan\/2/);
    expect(run.stderr).toMatch(/Skipped, replaced in Cloudinary since the scan.*: 1\n {2}- orphan\/3/);
    expect(run.stderr).toMatch(/Skipped, uploaded less than --min-age hours ago: 1\n {2}- fresh\/1/);
    expect(run.stderr).toContain('Dry run: nothing was deleted');
  });

  it('refuses more than --max-delete', async () => {
    const run = await runCli(['delete', '--input', w.report, '--confirm', '--max-delete', '100'], { cwd: w.dir, env: w.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/147 assets would be deleted, more than --max-delete 100/);
    expect(deleteCalls(w.emu)).toEqual([]);
  });

  it('with --confirm deletes exactly the verified orphans, in batches of at most 100, and journals them', async () => {
    const run = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code, run.stderr).toBe(1); // some candidates were skipped
    const deletes = w.emu.requests.filter((r) => r.kind === 'admin' && r.method === 'DELETE');
    expect(deletes.map((r) => (r.params.public_ids as string[]).length)).toEqual([100, 47]);
    for (const id of ['orphan/1', 'orphan/2', 'orphan/3', 'fresh/1', 'used/0', 'used/4']) expect(w.emu.getAsset('image', 'upload', id), id).toBeDefined();
    expect(w.emu.allAssets().filter((a) => a.public_id.startsWith('orphan/')).map((a) => a.public_id).sort()).toEqual(['orphan/1', 'orphan/2', 'orphan/3']);
    const journal = readFileSync(path.join(w.dir, 'report.journal.csv'), 'utf8');
    expect(journal.split('\n')[0]).toBe('time,public_id,resource_type,type,asset_id,bytes,outcome');
    expect(journal.match(/,deleted\n/g)).toHaveLength(147);
    expect(journal).toMatch(/orphan\/1,image,upload,.*,skipped:referenced/);
    expect(run.stderr).toMatch(/Deleted 147, already gone 0, skipped 4, failed 0/);
  });

  it('a second run sends nothing again', async () => {
    const sent = deleteCalls(w.emu).length;
    const run = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code, run.stderr).toBe(1);
    expect(deleteCalls(w.emu).length).toBe(sent);
    expect(run.stderr).toMatch(/Finished by an earlier run \(journal\): 147/);
  });
});

describe('delete refuses reports it cannot trust', () => {
  let w: World;
  let other: CloudinaryEmulator;
  beforeAll(async () => {
    w = await world('trust-cloud');
    other = await CloudinaryEmulator.start({ cloudName: 'another-cloud', apiKey: '42', apiSecret: 'delete-test-secret' });
  });
  afterAll(async () => {
    await w?.emu.stop();
    await other?.stop();
    await w?.db.close();
  });

  it('a report for another cloud', async () => {
    const run = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: { ...w.env, CLOUDINARY_URL: other.cloudinaryUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the report is for cloud "trust-cloud" but CLOUDINARY_URL is for "another-cloud"/);
  });

  it('a truncated report, naming the line', async () => {
    const text = readFileSync(w.report, 'utf8');
    const cut = text.slice(0, text.indexOf('\n', text.indexOf('orphan/7')) - 20);
    const file = path.join(w.dir, 'truncated.csv');
    writeFileSync(file, cut);
    const run = await runCli(['delete', '--input', file, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/refusing the report .*truncated\.csv: line \d+: /);
    expect(deleteCalls(w.emu)).toEqual([]);
  });

  it('a file that is not a report', async () => {
    const file = path.join(w.dir, 'notes.csv');
    writeFileSync(file, 'a,b\n1,2\n');
    const run = await runCli(['delete', '--input', file], { cwd: w.dir, env: w.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/not an asset-audit detect report/);
  });

  it('a report without its JSON twin, or made under another configuration', async () => {
    const copy = path.join(w.dir, 'reviewed.csv');
    writeFileSync(copy, readFileSync(w.report));
    const noTwin = await runCli(['delete', '--input', copy, '--confirm'], { cwd: w.dir, env: w.env });
    expect(noTwin.code).toBe(2);
    expect(noTwin.stderr).toMatch(/JSON twin \(reviewed\.json\) is not next to it/);
    const other = workspace({ 'asset-audit.config.json': { ...config, ignore: [] } });
    const changed = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: other, env: w.env });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/configuration .* differs from the one the scan used/);
    expect(deleteCalls(w.emu)).toEqual([]);
  });

  it('a database whose sources return nothing (a wrong DATABASE_URL)', async () => {
    const empty = await startDatabase();
    try {
      await empty.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text); CREATE TABLE posts (id int PRIMARY KEY, body text);`);
      const run = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: { ...w.env, DATABASE_URL: empty.url } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/returned no references at all/);
      expect(deleteCalls(w.emu)).toEqual([]);
    } finally {
      await empty.close();
    }
  });

  it('a sharp drop in references since the scan', async () => {
    await w.db.exec(`DELETE FROM photos WHERE id > 0`);
    const run = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/now yields 1 references, the scan that wrote this report saw 5/);
    expect(deleteCalls(w.emu)).toEqual([]);
  });
});

describe('delete under the rate limit', () => {
  let w: World;
  beforeAll(async () => {
    w = await world('budget-cloud');
  });
  afterAll(async () => {
    await w?.emu.stop();
    await w?.db.close();
  });

  it('stops cleanly with exit 4 and resumes to completion without sending any id twice', async () => {
    // room for the two lookups and one delete batch before the 95% threshold
    w.emu.setRateLimit({ limit: 100, remaining: 8 });
    const first = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/run the same command again to resume/);
    expect(deleteCalls(w.emu)).toHaveLength(100);
    w.emu.setRateLimit({ limit: 5000, remaining: 5000 });
    const second = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(second.code, second.stderr).toBe(1);
    const sent = deleteCalls(w.emu);
    expect(sent).toHaveLength(150); // every orphan (fresh/1 is too recent), none twice
    expect(new Set(sent).size).toBe(sent.length);
    expect(w.emu.allAssets().filter((a) => a.public_id.startsWith('orphan/'))).toEqual([]);
  });
});

describe('backups and restore', () => {
  let emu: CloudinaryEmulator;
  let db: TestDatabase;
  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'backup-cloud', apiKey: '42', apiSecret: 'delete-test-secret' });
    db = await startDatabase();
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('backs up every original before deleting it and restores byte-identical files', async () => {
    const old = new Date(Date.now() - 3 * DAY).toISOString();
    const files = {
      'image/upload/pics/a': Buffer.from('\x89PNG fake image bytes one'),
      'image/private/secret/b': Buffer.from('private image bytes two, longer'),
      'raw/authenticated/docs/c.pdf': Buffer.from('%PDF-1.4 raw document three'),
    };
    for (const [key, data] of Object.entries(files)) {
      const [rt, type, ...rest] = key.split('/');
      emu.addAsset({ public_id: rest.join('/'), resource_type: rt as 'image', type: type as 'upload', data, bytes: data.length, created_at: old, format: rt === 'raw' ? 'pdf' : 'png' });
    }
    emu.addAsset({ public_id: 'pics/used', created_at: old });
    await db.exec(`CREATE TABLE photos (id int, image text); INSERT INTO photos VALUES (1, 'pics/used')`);
    const env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
    const dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] } });
    expect((await runCli(['detect', '-o', 'r.csv'], { cwd: dir, env })).code).toBe(1);

    const del = await runCli(['delete', '--input', 'r.csv', '--confirm', '--backup-dir', 'backup'], { cwd: dir, env });
    expect(del.code, del.stderr).toBe(0);
    expect(del.stderr).toContain('asset-audit restore --backup-dir');
    expect(emu.assetCount).toBe(1);
    const manifest = readFileSync(path.join(dir, 'backup', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(manifest).toHaveLength(3);

    const dry = await runCli(['restore', '--backup-dir', 'backup'], { cwd: dir, env });
    expect(dry.code).toBe(0);
    expect(emu.assetCount).toBe(1);
    const restore = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env });
    expect(restore.code, restore.stderr).toBe(0);
    for (const [key, data] of Object.entries(files)) {
      const [rt, type, ...rest] = key.split('/');
      const asset = emu.getAsset(rt!, type!, rest.join('/'));
      expect(asset, key).toBeDefined();
      expect(Buffer.compare(asset!.data!, data), key).toBe(0);
    }
    expect(readdirSync(path.join(dir, 'backup'))).toContain('manifest.jsonl');
  });
});

describe('delete interrupted', () => {
  let w: World;
  beforeAll(async () => {
    w = await world('signal-cloud');
  });
  afterAll(async () => {
    await w?.emu.stop();
    await w?.db.close();
  });

  it('SIGTERM finishes the batch in flight, journals it, exits 4; the next run completes the rest', async () => {
    // a batch takes at least this long, so the signal lands while the first one is in flight
    w.emu.setLatency(1500);
    const first = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env, onSpawn: signalWhen('Deleting', 'SIGTERM', 100) });
    w.emu.setLatency(0);
    expect(first.code, first.stderr).toBe(4);
    expect(first.stderr).toMatch(/SIGTERM received/);
    const gone = 150 - w.emu.allAssets().filter((a) => a.public_id.startsWith('orphan/')).length;
    expect(gone).toBe(100);
    const journal = readFileSync(path.join(w.dir, 'report.journal.csv'), 'utf8');
    expect(journal.match(/,deleted\n/g)).toHaveLength(gone);

    const second = await runCli(['delete', '--input', w.report, '--confirm'], { cwd: w.dir, env: w.env });
    expect(second.code, second.stderr).toBe(1);
    expect(w.emu.allAssets().filter((a) => a.public_id.startsWith('orphan/'))).toEqual([]);
    expect(new Set(deleteCalls(w.emu)).size).toBe(deleteCalls(w.emu).length);
  });
});
