import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario } from '../support/seed.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'gh-cloud', apiSecret: 'gh-api-secret-123' });
  db = await startDatabase();
  await seedScenario(emu, db);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});
afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('detect on GitHub Actions', () => {
  it('appends a job summary, annotates missing ACTIVE records on stdout, and writes the review page (0600)', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig, 'summary.md': '# earlier step\n' });
    const run = await runCli(['detect', '--days', '30', '--no-email'], { cwd: dir, env: { ...env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path.join(dir, 'summary.md') } });
    expect(run.code, run.stderr).toBe(1);
    const summary = readFileSync(path.join(dir, 'summary.md'), 'utf8');
    expect(summary).toMatch(/^# earlier step\n## asset-audit: cloud gh-cloud\n/);
    expect(summary).toMatch(/\| Missing assets \| \d+: [1-9]\d* ACTIVE/);
    expect(summary).not.toContain('gh-api-secret-123');
    const annotations = run.stdout.trim().split('\n');
    expect(annotations.length).toBeGreaterThan(0);
    for (const line of annotations) expect(line).toMatch(/^::error title=Missing asset%3A [^\n]*::.+ACTIVE/);
    const html = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.html'))!;
    expect(html).toMatch(/^asset_detection_.*\.html$/);
    expect(statSync(path.join(dir, 'reports', html)).mode & 0o777).toBe(0o600);
  });

  it('--format github with --json is refused; --format text keeps stdout empty on Actions', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const both = await runCli(['detect', '--format', 'github', '--json', '--no-email'], { cwd: dir, env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--format github');
    const text = await runCli(['detect', '--days', '30', '--format', 'text', '--no-email'], { cwd: dir, env: { ...env, GITHUB_ACTIONS: 'true' } });
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toBe('');
  });
});
