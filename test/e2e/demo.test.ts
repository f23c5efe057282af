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
  });
});
