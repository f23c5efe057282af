/**
 * [slow] Soak: a full scan of 50,000 assets with 5% injected faults must give the same report as a
 * fault-free scan, and deleting 2,000 orphans under faults must remove exactly those, no matter how
 * many re-runs it takes. Figures (calls retried, time overhead) are printed for the closing notes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator, generateAssets, type AssetInput } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const ASSETS = 50_000;
const ORPHANS = 2_000;
const config = { references: [{ name: 'media', table: 'media', column: 'ref', id: 'id' }] };

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
let assets: AssetInput[];
const referenced = new Set<string>();

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'soak-cloud', apiKey: '9', apiSecret: 'soak-secret', logRequests: false, rateLimit: 100_000 });
  db = await startDatabase();
  assets = [...generateAssets(ASSETS, { seed: 11, end: new Date(Date.now() - 2 * 86_400_000) })];
  emu.addAssets(assets);
  await db.exec(`CREATE TABLE media (id int PRIMARY KEY, ref text)`);
  const rows: string[] = [];
  assets.forEach((a, i) => {
    if (i % (ASSETS / ORPHANS) === 0) return; // every 25th asset is an orphan
    const rt = a.resource_type ?? 'image';
    const value = `${rt}/${a.type ?? 'upload'}/v1/${a.public_id}${rt === 'raw' ? '' : `.${a.format ?? 'jpg'}`}`;
    referenced.add(`${rt}/${a.type ?? 'upload'}/${a.public_id}`);
    rows.push(`(${i}, '${value.replace(/'/g, "''")}')`);
  });
  for (let i = 0; i < rows.length; i += 5000) await db.exec(`INSERT INTO media VALUES ${rows.slice(i, i + 5000).join(',')}`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
}, 300_000);

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

async function scan(dir: string, name: string) {
  const started = Date.now();
  const run = await runCli(['detect', '--all', '-o', `${name}.csv`, '--timeout', '2', '--json'], { cwd: dir, env, timeoutMs: 600_000 });
  const ms = Date.now() - started;
  expect(run.code, run.stderr).toBe(1);
  const json = JSON.parse(run.stdout) as { api: { calls: number; retries: number } };
  return { ms, json, report: readReport(readFileSync(path.join(dir, `${name}.csv`), 'utf8')) };
}

describe('[slow] soak', () => {
  it('a scan with 5% faults gives the same report as a fault-free scan; a delete under faults removes exactly the orphans', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const clean = await scan(dir, 'clean');
    expect(clean.report.orphans).toHaveLength(ORPHANS);

    emu.injectFaults({ errorRate: 0.03, status: 503, truncateRate: 0.01, hangRate: 0.01, seed: 5 });
    const faulty = await scan(dir, 'faulty');
    expect(faulty.report.orphans).toEqual(clean.report.orphans);
    expect(faulty.report.missing).toEqual(clean.report.missing);
    expect(faulty.json.api.retries).toBeGreaterThan(0);
    console.log(
      `soak scan: ${ASSETS} assets; fault-free ${clean.ms} ms, ${clean.json.api.calls} calls; ` +
        `with faults ${faulty.ms} ms, ${faulty.json.api.calls} calls, ${faulty.json.api.retries} retried (overhead ${((faulty.ms / clean.ms - 1) * 100).toFixed(0)}%)`,
    );

    // delete the 2,000 orphans with faults still on, re-running until it reports success
    let runs = 0;
    let code: number | null = null;
    const started = Date.now();
    while (code !== 0 && runs < 6) {
      runs++;
      const run = await runCli(['delete', '--input', 'clean.csv', '--confirm', '--min-age', '0', '--max-delete', String(ORPHANS), '--timeout', '2'], { cwd: dir, env, timeoutMs: 600_000 });
      code = run.code;
      expect([0, 1, 4], run.stderr).toContain(code);
    }
    emu.injectFaults(null);
    expect(code).toBe(0);
    const left = new Set(emu.allAssets().map((a) => `${a.resource_type}/${a.type}/${a.public_id}`));
    expect(left.size).toBe(ASSETS - ORPHANS);
    for (const key of referenced) expect(left.has(key), key).toBe(true);
    console.log(`soak delete: ${ORPHANS} orphans in ${runs} run(s), ${Date.now() - started} ms with faults`);
  }, 900_000);
});
