import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario } from '../support/seed.js';

const SECRET = 'resume-s3cret-value';
let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
const PLENTY = 100_000;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'resume-cloud', apiKey: '222', apiSecret: SECRET, rateLimit: PLENTY });
  db = await startDatabase();
  await seedScenario(emu, db);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

const body = (file: string) => readFileSync(file, 'utf8');

async function uninterrupted(args: string[]): Promise<string> {
  emu.setRateLimit({ remaining: PLENTY });
  const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
  const run = await runCli([...args, '-o', 'full.csv'], { cwd: dir, env });
  expect(run.code, run.stderr).toBe(1);
  return body(path.join(dir, 'full.csv'));
}

/** Runs with only `calls` Admin API calls left, then resumes (as often as needed) with the budget back. */
/** `appended`: resume as a scheduler does, its usual command line with --resume appended. */
async function interruptedThenResumed(args: string[], calls: number, { appended = false } = {}): Promise<{ csv: string; runs: number }> {
  const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
  emu.setRateLimit({ remaining: calls });
  const first = await runCli([...args, '--rate-limit-stop', '100'], { cwd: dir, env });
  expect(first.code, first.stderr).toBe(4);
  const reports = path.join(dir, 'reports');
  const checkpoint = readdirSync(reports).find((f) => f.endsWith('.checkpoint.json'));
  expect(checkpoint, readdirSync(reports).join(', ')).toBeDefined();
  const file = path.join(reports, checkpoint!);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  const text = readFileSync(file, 'utf8');
  expect(text).not.toContain(SECRET);
  expect(text).not.toContain(db.url);
  expect(first.stderr).toContain(`--resume reports/${checkpoint}`);

  emu.setRateLimit({ remaining: PLENTY });
  const second = await runCli([...(appended ? args : ['detect']), '--resume', file, '-o', 'resumed.csv'], { cwd: dir, env });
  expect(second.code, second.stderr).toBe(1);
  expect(readdirSync(reports).some((f) => f.endsWith('.checkpoint.json'))).toBe(false);
  const json = JSON.parse(readFileSync(path.join(dir, 'resumed.json'), 'utf8'));
  return { csv: body(path.join(dir, 'resumed.csv')), runs: json.resumed.runs };
}

describe('a scan stopped by the rate limit resumes to the same report', () => {
  // the seeded account lists in 8 pages (3 chains) after 1 usage call, then needs lookups with --days
  it.each([1, 4, 7, 13])('--days 30, stopped after %i call(s)', async (calls) => {
    const args = ['detect', '--days', '30'];
    const expected = await uninterrupted(args);
    const { csv } = await interruptedThenResumed(args, calls);
    expect(csv).toBe(expected);
  });

  // a fully listed partition proves absence: the resumed ledger must map onto the references read afresh
  it.each([3, 5])('--all without windows, stopped after %i call(s)', async (calls) => {
    const args = ['detect', '--all'];
    const expected = await uninterrupted(args);
    const { csv } = await interruptedThenResumed(args, calls);
    expect(csv).toBe(expected);
  });

  it.each([3, 6])('--all with windows, stopped after %i call(s)', async (calls) => {
    const args = ['detect', '--all', '--windows', '2'];
    const expected = await uninterrupted(args);
    const { csv } = await interruptedThenResumed(args, calls);
    expect(csv).toBe(expected);
  });

  it('accepts the flags the checkpoint was made with (a scheduler appends --resume)', async () => {
    const args = ['detect', '--all', '--windows', '2', '--type', 'upload,private,authenticated'];
    const expected = await uninterrupted(args);
    const { csv } = await interruptedThenResumed(args, 3, { appended: true });
    expect(csv).toBe(expected);
  });

  it('refuses a checkpoint from another configuration', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    emu.setRateLimit({ remaining: 2 });
    expect((await runCli(['detect', '--all', '--rate-limit-stop', '100'], { cwd: dir, env })).code).toBe(4);
    emu.setRateLimit({ remaining: PLENTY });
    const file = path.join(dir, 'reports', readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.checkpoint.json'))!);
    const other = workspace({ 'asset-audit.config.json': { ...scenarioConfig, ignore: [] } });
    const run = await runCli(['detect', '--resume', file], { cwd: other, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--resume: the reference sources or ignore globs changed/);
    const scoped = await runCli(['detect', '--resume', file, '--days', '3'], { cwd: dir, env });
    expect(scoped.code).toBe(2);
    expect(scoped.stderr).toContain('these flags differ from it: --days 3 (the checkpoint has --all)');
    const several = await runCli(['detect', '--all', '--resume', file, '--prefix', 'docs', '--orphans-only', '--resource-type', 'image'], { cwd: dir, env });
    expect(several.code).toBe(2);
    expect(several.stderr).toContain('--prefix "docs" (the checkpoint has no prefix); --resource-type image (the checkpoint has image,raw,video); --orphans-only (the checkpoint has both checks)');
    expect(several.stderr).not.toMatch(/--all \(/);
    const plan = await runCli(['detect', '--resume', file, '--plan'], { cwd: dir, env });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/drop --plan/);
  });
});

describe('plan before spending', () => {
  it('--plan estimates the calls and exits without listing', async () => {
    emu.setRateLimit({ remaining: PLENTY });
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const before = emu.adminCalls;
    const run = await runCli(['detect', '--all', '--plan'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Plan: about \d+ Admin API call\(s\) for \d[\d,]* asset\(s\)/);
    expect(emu.adminCalls - before).toBe(1);
  });

  it('--on-budget stop refuses a scan that cannot fit, before listing', async () => {
    emu.setRateLimit({ remaining: 5 });
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--all', '--on-budget', 'stop', '--rate-limit-stop', '100'], { cwd: dir, env });
    emu.setRateLimit({ remaining: PLENTY });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/not started: the scan needs about \d+ Admin API calls but only \d+ are usable/);
  });
});
