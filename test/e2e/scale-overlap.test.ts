/**
 * The listing starts while the references are still being read. Whatever it lists first is only
 * held: no asset is judged before the last reference is in. Here the references arrive only after
 * a delay, so the whole listing is done (and held) before a single reference is known.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
const ASSETS = 1_200;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'overlap-cloud' });
  db = await startDatabase();
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text)`);
  const rows: string[] = [];
  const old = new Date(Date.now() - 86_400_000).toISOString();
  for (let i = 0; i < ASSETS; i++) {
    const id = `o/${String(i).padStart(5, '0')}`;
    const video = i % 3 === 0;
    emu.addAsset({ public_id: id, created_at: old, resource_type: video ? 'video' : 'image' });
    if (i % 7 !== 0) rows.push(`(${i}, '${i % 2 ? id : video ? `video/upload/v1/${id}.mp4` : `image/upload/v1/${id}.jpg`}')`);
  }
  rows.push(`(99999, 'o/never-uploaded')`);
  await db.exec(`INSERT INTO photos VALUES ${rows.join(',')}`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

async function scan(query: string) {
  const dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'photos', query }] } });
  const run = await runCli(['detect', '--all', '-o', 'r.csv', '-v'], { cwd: dir, env, timeoutMs: 120_000 });
  expect(readdirSync(dir)).toContain('r.csv');
  return { run, report: readReport(readFileSync(path.join(dir, 'r.csv'), 'utf8')) };
}

describe('listing while the references are read', () => {
  it('references that arrive after the whole listing: the same orphans and missing as without delay', async () => {
    const quick = await scan('SELECT id, image AS ref FROM photos');
    const slow = await scan('SELECT id, image AS ref FROM photos CROSS JOIN (SELECT pg_sleep(2)) AS delay');
    expect(quick.run.code, quick.run.stderr).toBe(1);
    expect(slow.run.code, slow.run.stderr).toBe(1);
    const expected = Array.from({ length: ASSETS }, (_, i) => i)
      .filter((i) => i % 7 === 0)
      .map((i) => `o/${String(i).padStart(5, '0')}`);
    expect(quick.report.orphans.map((o) => o.public_id).sort()).toEqual(expected);
    expect(slow.report.orphans).toEqual(quick.report.orphans);
    expect(slow.report.missing).toEqual(quick.report.missing);
    expect(slow.report.missing.map((m) => m.public_id)).toEqual(['o/never-uploaded']);
    // the listing really was held: every listed asset waited for the references
    expect(slow.run.stderr).toMatch(/judging 1,200 asset\(s\) listed while the references were read/);
  });
});
