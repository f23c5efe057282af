/**
 * The delete core in-process: a real SQLite file, the Cloudinary emulator through the official
 * SDK, a report written by detect in the same process; runDeletion is called directly, with its
 * veto hook, and its result is inspected as data (no CLI, no exit codes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { configDigest } from '../../src/config/digest.js';
import { parseConfigText } from '../../src/config/load.js';
import { buildScope } from '../../src/config/scope.js';
import { CLOUDINARY_PARTITIONS } from '../../src/storage/cloudinary/partitions.js';
import { parseDatabaseUrl } from '../../src/database/open.js';
import type { DatabaseTarget } from '../../src/database/types.js';
import { runDeletion, type DeletionInput } from '../../src/delete/run.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { writeCsv } from '../../src/report/csv.js';
import { writeJson } from '../../src/report/json.js';
import { writeAtomicWith } from '../../src/report/write.js';
import { detect } from '../../src/scan/detect.js';
import { CloudinaryStorage } from '../../src/storage/cloudinary/client.js';
import { RateLimitGuard } from '../../src/storage/cloudinary/guard.js';

const DAY = 86_400_000;
const config = parseConfigText(JSON.stringify({ references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }], ignore: ['keep/**'] }), 'config.json').config!;

let emu: CloudinaryEmulator;
let dir: string;
let app: Database.Database;
let database: DatabaseTarget;
let storage: CloudinaryStorage;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'delcore', apiKey: '42', apiSecret: 'delete-core-secret' });
  const old = new Date(Date.now() - 10 * DAY).toISOString();
  for (let i = 0; i < 3; i++) emu.addAsset({ public_id: `used/${i}`, created_at: old });
  for (let i = 0; i < 6; i++) emu.addAsset({ public_id: `orphan/${i}`, created_at: old });
  emu.addAsset({ public_id: 'keep/logo', created_at: old });
  emu.addAsset({ public_id: 'fresh/1', created_at: new Date(Date.now() - 3_600_000).toISOString() });
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-delcore-'));
  const file = path.join(dir, 'app.sqlite3');
  app = new Database(file);
  app.pragma('journal_mode = WAL');
  app.exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, image TEXT); INSERT INTO photos VALUES (1, 'used/0'), (2, 'used/1'), (3, 'used/2');`);
  database = parseDatabaseUrl(`sqlite://${file}`);
  storage = await CloudinaryStorage.create({ credentials: parseCloudinaryUrl(emu.cloudinaryUrl), guard: new RateLimitGuard({ warnAt: 1, stopAt: 1 }) });
});

afterAll(async () => {
  storage?.close();
  app?.close();
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const has = (publicId: string): boolean => emu.getAsset('image', 'upload', publicId) !== undefined;

/** A detect report of the account as it is now, as the CLI writes it (CSV + JSON twin). */
async function scan(name: string): Promise<string> {
  const reader = await database.open({ statementTimeoutSeconds: 60 });
  const result = await detect({ config, scope: buildScope({ days: '30' }, new Date(), CLOUDINARY_PARTITIONS, 'cloudinary'), storage, reader, log: silentLogger, version: 'test' });
  result.configDigest = configDigest(config);
  const csv = path.join(dir, `${name}.csv`);
  writeAtomicWith(csv, (write) => writeCsv(result, write));
  writeAtomicWith(csv.replace(/\.csv$/, '.json'), (write) => writeJson(result, { csv }, write));
  return csv;
}

const input = (reportFile: string, more: Partial<DeletionInput> = {}): DeletionInput => ({
  reportFile,
  config,
  database,
  storage,
  minAgeHours: 24,
  maxDelete: 1000,
  execute: true,
  log: silentLogger,
  ...more,
});

describe('runDeletion (in-process, SQLite + emulator)', () => {
  it('plans without deleting in a dry run, and honours the limit before the veto', async () => {
    const report = await scan('dry');
    const dry = await runDeletion(input(report, { execute: false }));
    expect(dry.status).toBe('dry_run');
    if (dry.status !== 'dry_run') return;
    expect(dry.plan.toDelete.map((i) => i.current.publicId).sort()).toEqual([0, 1, 2, 3, 4, 5].map((i) => `orphan/${i}`));
    expect(dry.plan.settled.map((s) => [s.candidate.publicId, s.outcome])).toEqual([['fresh/1', 'skipped:too_recent']]);

    let asked = false;
    const over = await runDeletion(input(report, { maxDelete: 5, hooks: { confirm: async () => (asked = true) } }));
    expect(over.status).toBe('over_limit');
    expect(asked).toBe(false);
    expect(has('orphan/0')).toBe(true);
  });

  it('deletes nothing when the veto says no, and everything planned when it says yes', async () => {
    const report = await scan('veto');
    const seen: number[] = [];
    const vetoed = await runDeletion(input(report, { hooks: { onPlan: (p) => seen.push(p.toDelete.length), confirm: async () => false } }));
    expect(vetoed.status).toBe('vetoed');
    expect(seen).toEqual([6]);
    expect(has('orphan/0')).toBe(true);

    // a row written after the plan protects its asset at the last check before the DELETE call
    const done = await runDeletion(
      input(report, {
        hooks: {
          confirm: async (plan) => {
            expect(plan.toDelete).toHaveLength(6);
            app.exec(`INSERT INTO photos VALUES (4, 'orphan/5')`);
            return true;
          },
        },
      }),
    );
    expect(done.status).toBe('executed');
    if (done.status !== 'executed') return;
    expect(done.totals).toEqual({ deleted: 5, alreadyGone: 0, skipped: 2, failed: 0, alreadyDone: 0 });
    expect(done.outcome.nowReferenced).toBe(1);
    for (let i = 0; i < 5; i++) expect(has(`orphan/${i}`)).toBe(false);
    for (const kept of ['orphan/5', 'used/0', 'keep/logo', 'fresh/1']) expect(has(kept)).toBe(true);
  });

  it('refuses a report whose references have collapsed since the scan', async () => {
    emu.addAsset({ public_id: 'orphan/late', created_at: new Date(Date.now() - 10 * DAY).toISOString() });
    const report = await scan('collapse');
    app.exec(`DELETE FROM photos WHERE id > 1`);
    await expect(runDeletion(input(report))).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/drop of more than 25%/) });
    expect(has('orphan/late')).toBe(true);
  });

  it('refuses a report for another cloud and one without its twin', async () => {
    const report = await scan('foreign');
    const other = await CloudinaryStorage.create({ credentials: parseCloudinaryUrl(emu.cloudinaryUrl.replace('@delcore', '@elsewhere')), guard: new RateLimitGuard({ warnAt: 1, stopAt: 1 }) });
    try {
      await expect(runDeletion(input(report, { storage: other }))).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/for cloud "delcore"/) });
    } finally {
      other.close();
    }
    writeFileSync(report.replace(/\.csv$/, '.json'), '{}');
    await expect(runDeletion(input(report))).rejects.toMatchObject({ kind: 'refused', message: expect.stringMatching(/JSON twin/) });
  });
});
