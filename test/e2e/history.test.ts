import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario, type Expected } from '../support/seed.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let expected: Expected;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'trend-cloud' });
  db = await startDatabase();
  expected = await seedScenario(emu, db);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('history and --fail-on-increase', () => {
  it('records each run, prints the trend, and fails when orphans spike', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const empty = await runCli(['history'], { cwd: dir });
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('No runs recorded yet in reports/history.jsonl');

    // first run: nothing to compare with, so --fail-on-increase alone cannot fail it
    const first = await runCli(['detect', '--days', '30', '--fail-on', 'none', '--fail-on-increase', '5'], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('no earlier complete run of this scope');

    // a different scope does not count as "previous"
    const other = await runCli(['detect', '--days', '7', '--fail-on', 'none'], { cwd: dir, env });
    expect(other.code, other.stderr).toBe(0);

    // 3 new orphans: within a threshold of 5
    for (let i = 0; i < 3; i++) emu.addAsset({ public_id: `spike/a_${i}` });
    const small = await runCli(['detect', '--days', '30', '--fail-on', 'none', '--fail-on-increase', '5'], { cwd: dir, env });
    expect(small.code, small.stderr).toBe(0);
    expect(small.stderr).toMatch(/orphans \d+ → \d+ \(\+3\)/);

    // 10 more: over it
    for (let i = 3; i < 13; i++) emu.addAsset({ public_id: `spike/a_${i}` });
    const spike = await runCli(['detect', '--days', '30', '--fail-on', 'none', '--fail-on-increase', '5'], { cwd: dir, env });
    expect(spike.code, spike.stderr).toBe(1);
    expect(spike.stderr).toMatch(/warning: orphans grew by 10 \(\d+ → \d+\) since the run of .* more than --fail-on-increase 5/);

    const lines = readFileSync(path.join(dir, 'reports', 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ cloud: 'trend-cloud', complete: true, orphans: expected.orphans.size, missing: expected.missing.size, report: expect.stringMatching(/^reports\/asset_detection_/) });
    expect(lines[0].apiCalls).toBeGreaterThan(0);
    expect(lines[3].orphans).toBe(expected.orphans.size + 13);

    const trend = await runCli(['history'], { cwd: dir });
    expect(trend.code, trend.stderr).toBe(0);
    expect(trend.stderr).toContain('History: reports/history.jsonl (4 run(s))');
    expect(trend.stderr).toContain('trend-cloud — uploads of the last 30 day(s)');
    expect(trend.stderr).toContain('trend-cloud — uploads of the last 7 day(s)');
    expect(trend.stderr).toMatch(/\+10\b/);
    const json = await runCli(['history', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toHaveLength(4);
  });

  it('compares complete runs only: a partial run says so instead of showing a trend', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const complete = await runCli(['detect', '--days', '30', '--fail-on', 'none'], { cwd: dir, env });
    expect(complete.code, complete.stderr).toBe(0);
    emu.setRateLimit({ remaining: 2 });
    const partial = await runCli(['detect', '--days', '30', '--fail-on', 'none', '--rate-limit-stop', '100'], { cwd: dir, env });
    emu.setRateLimit({ remaining: 5000 });
    expect(partial.code, partial.stderr).toBe(4);
    expect(partial.stderr).toMatch(/This run is partial \(.+\): its counts are not compared with the last complete run of this scope \(/);
    expect(partial.stderr).not.toContain('Since the last complete run');
    const again = await runCli(['detect', '--days', '30', '--fail-on', 'none'], { cwd: dir, env });
    expect(again.stderr).toMatch(/Since the last complete run of this scope .*: orphans (\d+) → \1 \(\+0\), missing (\d+) → \2 \(\+0\)/);
    const table = (await runCli(['history'], { cwd: dir })).stderr.split('\n').filter((l) => /^\s+\d{4}-/.test(l));
    expect(table).toHaveLength(3);
    // the partial row has no Δ; the complete one after it compares with the complete one before
    expect(table[1]).toMatch(/\sNO\s+\d+\s+\d+\s+[\d.]+\s+\d+\s+\d+\s+\d+$/);
    expect(table[2]).toMatch(/\syes\s+\d+\s+\d+\s+±0\s/);
  });

  it('rejects a negative or non-numeric threshold before scanning', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--fail-on-increase', 'lots'], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fail-on-increase must be a whole number');
  });
});
