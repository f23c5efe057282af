import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';

describe('demo', () => {
  it('runs the whole pipeline with no setup and writes a real report into ./reports', async () => {
    const dir = workspace();
    // none of the user's own settings may leak into the demo
    const run = await runCli(['demo'], { cwd: dir, env: { CLOUDINARY_URL: 'cloudinary://1:user-secret-x@mine', DATABASE_URL: 'postgres://u:user-db-pw@db.invalid/x', ADMINS: 'ops@example.com', NOTIFY_URL: 'http://127.0.0.1:1/x' } });
    expect(run.code, run.stderr).toBe(0);
    const files = readdirSync(path.join(dir, 'reports'));
    const csv = files.find((f) => /^asset_detection_\d{4}-\d\d-\d\d_\d{6}\.csv$/.test(f));
    expect(csv, files.join(', ')).toBeDefined();
    expect(files).toContain(csv!.replace(/\.csv$/, '.json'));
    expect(files).not.toContain('history.jsonl');
    const report = readReport(readFileSync(path.join(dir, 'reports', csv!), 'utf8'));
    const planted = run.stderr.match(/The demo planted (\d+) orphaned file\(s\) and (\d+) record\(s\)/);
    expect(planted).not.toBeNull();
    expect(report.orphans).toHaveLength(Number(planted![1]));
    expect(report.missing).toHaveLength(Number(planted![2]));
    expect(new Set(report.missing.map((m) => m.source))).toEqual(new Set(['prompts', 'avatars', 'articles', 'products']));
    expect(new Set(report.missing.map((m) => m.status))).toEqual(new Set(['ACTIVE', 'DELETED']));
    expect(run.stderr).toContain(`Report: reports/${csv}`);
    expect(run.stderr).not.toMatch(/webhook|Email/);
    expect(run.stderr).not.toContain('user-secret-x');
    expect(run.stderr).toContain('Filled an SQLite file');
  });

  it('finds the same orphans and missing records with --database pglite (an embedded Postgres)', async () => {
    const findings = async (args: string[]) => {
      const dir = workspace();
      const run = await runCli(['demo', '--assets', '300', ...args], { cwd: dir, env: { CLOUDINARY_URL: 'cloudinary://1:user-secret-x@mine' } });
      expect(run.code, run.stderr).toBe(0);
      const csv = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.csv'))!;
      const report = readReport(readFileSync(path.join(dir, 'reports', csv), 'utf8'));
      return { stderr: run.stderr, orphans: report.orphans.map((o) => o.public_id).sort(), missing: report.missing.map((m) => `${m.source}/${m.record_id}/${m.status}`).sort() };
    };
    const pglite = await findings(['--database', 'pglite']);
    expect(pglite.stderr).toContain('an embedded Postgres (PGlite)');
    const sqlite = await findings([]);
    expect(pglite.orphans.length).toBeGreaterThan(0);
    expect(pglite.orphans).toEqual(sqlite.orphans);
    expect(pglite.missing).toEqual(sqlite.missing);
  });

  it('names the databases it offers for an unknown --database', async () => {
    const run = await runCli(['demo', '--database', 'oracle'], { cwd: workspace() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--database: use one of sqlite, pglite (got "oracle")');
  });
});
