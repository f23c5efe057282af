import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { TEST_DATABASES, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario, type Expected } from '../support/seed.js';

function reportOf(dir: string) {
  const reports = path.join(dir, 'reports');
  const csv = readdirSync(reports).find((f) => f.endsWith('.csv'));
  if (!csv) throw new Error(`no CSV in ${reports}: ${readdirSync(reports).join(', ')}`);
  const file = path.join(reports, csv);
  return { file, text: readFileSync(file, 'utf8'), report: readReport(readFileSync(file, 'utf8')), json: JSON.parse(readFileSync(file.replace(/\.csv$/, '.json'), 'utf8')) };
}

describe.each(TEST_DATABASES)('detect against a seeded account and a $name database', (database) => {
  let emu: CloudinaryEmulator;
  let db: TestDatabase;
  let expected: Expected;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'acme-media', apiKey: '123456789012345', apiSecret: 'sup3r-s3cret-value', rateLimit: 5000 });
    db = await database.start();
    expected = await seedScenario(emu, db);
    env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  });

  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('finds exactly the orphans in the window and exactly the missing references', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--days', '30'], { cwd: dir, env });
    expect(run.stderr).not.toContain('sup3r-s3cret-value');
    expect(run.code, run.stderr).toBe(1);
    const { report, file, json, text } = reportOf(dir);
    expect(text.startsWith('ORPHANED CLOUDINARY FILES\npublic_id,resource_type,type,size_bytes,size_mb,format,uploaded_at,cloudinary_url')).toBe(true);
    expect(text).toContain('\n\nRECORDS WITH MISSING ASSETS\nsource,record_id,title,author,resource_type,type,public_id,created_at,status,record_url,reference\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const orphans = new Set(report.orphans.map((o) => `${o.resource_type}/${o.type}/${o.public_id}`));
    expect([...orphans].sort()).toEqual([...expected.orphans].sort());
    const missing = new Set(report.missing.map((m) => `${m.source}:${m.record_id}:${m.public_id}`));
    expect([...missing].sort()).toEqual([...expected.missing].sort());
    expect(report.unverified).toEqual([]);

    const gone = report.missing.find((m) => m.public_id === 'prompts/gone_1')!;
    expect(gone).toMatchObject({ title: 'Gone 1', author: 'alice', status: 'ACTIVE', record_url: expect.stringMatching(/^https:\/\/example\.com\/prompt\/\d+\/$/) });
    expect(report.missing.find((m) => m.public_id === 'prompts/gone_0')!.status).toBe('DELETED');

    expect(json.complete).toBe(true);
    expect(json.references.foreign.count).toBe(1);
    expect(json.orphans).toHaveLength(expected.orphans.size);
    expect(json.ignored).toBe(30);
    expect(run.stderr).toMatch(/Orphaned: \d+/);
    expect(run.stderr).toMatch(/Report: reports\/asset_detection_\d{4}-\d\d-\d\d_\d{6}\.csv/);
  });

  it('never calls a reference missing because a filtered listing did not contain it', async () => {
    // --days 1 lists almost nothing; every old referenced asset must be confirmed by lookups
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--days', '1', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    const missing = new Set(result.missing.map((m: { source: string; recordId: string; publicId: string }) => `${m.source}:${m.recordId}:${m.publicId}`));
    expect([...missing].sort()).toEqual([...expected.missing].sort());
    expect(result.api.lookups).toBeGreaterThan(0);
  });

  it('--all lists everything and needs no lookups for typed references', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--all', '--json', '--quiet'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    const allOrphans = expected.assets.length - 30 - result.valid;
    expect(result.orphans.length).toBe(allOrphans);
    expect(new Set(result.missing.map((m: { publicId: string }) => m.publicId))).toEqual(new Set([...expected.missing].map((k) => k.split(':')[2])));
  });

  it('--missing-only makes no listing calls; --orphans-only no lookups', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const a = JSON.parse((await runCli(['detect', '--missing-only', '--json'], { cwd: dir, env })).stdout);
    expect(a.api.listCalls).toBe(0);
    expect(a.orphans).toEqual([]);
    expect(a.missing).toHaveLength(expected.missing.size);
    const b = JSON.parse((await runCli(['detect', '--orphans-only', '--json'], { cwd: dir, env })).stdout);
    expect(b.api.lookups).toBe(0);
    expect(b.missing).toEqual([]);
    expect(b.orphans).toHaveLength(expected.orphans.size);
  });
});
