import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const HOSTILE_IDS = [
  'odd/comma,in,id',
  'odd/"quoted" id',
  'odd/multi\nline',
  'odd/=HYPERLINK("http://evil.example")',
  'odd/+1-2',
  'odd/@SUM(A1)',
  "odd/'apostrophe",
  'odd/ünïcødé 日本語 😀',
  `odd/${'long-'.repeat(150)}`,
];
const OLD = new Date(Date.now() - 5 * 86_400_000).toISOString();

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'hostile-cloud', apiKey: '3', apiSecret: 'hostile-secret' });
  db = await startDatabase();
  for (const id of HOSTILE_IDS) emu.addAsset({ public_id: id, created_at: OLD });
  emu.addAsset({ public_id: 'odd/kept, "in use"', created_at: OLD });
  // a stored value the parser refuses (a control character) still protects the asset it names literally
  emu.addAsset({ public_id: 'odd/tab\there', created_at: OLD });
  await db.exec(`CREATE TABLE items (id text PRIMARY KEY, title text, image text)`);
  await db.query(`INSERT INTO items VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)`, [
    '=cmd|calc', '<script>alert("x")</script>, "quoted"\nnewline', 'odd/kept, "in use"',
    'row-2', '@evil', 'odd/gone, "forever" =1+1',
    'row-3', 'tabbed', 'odd/tab\there',
  ]);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('hostile ids and record fields', () => {
  it('survive detect → report → delete exactly, and only the orphans are deleted', async () => {
    const dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'items', table: 'items', column: 'image', id: 'id', title: 'title', extract: 'value' }] } });
    const detect = await runCli(['detect', '--all', '-o', 'r.csv'], { cwd: dir, env });
    expect(detect.code, detect.stderr).toBe(1);
    const file = path.join(dir, 'r.csv');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
    const report = readReport(text);
    expect(report.orphans.map((o) => o.public_id).sort()).toEqual([...HOSTILE_IDS].sort());
    expect(report.missing).toHaveLength(1);
    expect(report.missing[0]).toMatchObject({ record_id: 'row-2', title: '@evil', public_id: 'odd/gone, "forever" =1+1' });

    const del = await runCli(['delete', '--input', 'r.csv', '--confirm', '--min-age', '0'], { cwd: dir, env });
    expect(del.code, del.stderr).toBe(0);
    expect(emu.allAssets().map((a) => a.public_id).sort()).toEqual(['odd/kept, "in use"', 'odd/tab\there']);
  });
});
