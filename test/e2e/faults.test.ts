import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, signalWhen, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { cuttingProxy, rejectingPostgres } from '../support/net-faults.js';

const config = { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] };
let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'fault-cloud', apiKey: '7', apiSecret: 'fault-secret-value' });
  db = await startDatabase();
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text)`);
  const rows: string[] = [];
  const old = new Date(Date.now() - 86_400_000).toISOString();
  for (let i = 0; i < 2600; i++) {
    emu.addAsset({ public_id: `p/${String(i).padStart(5, '0')}`, created_at: old });
    if (i % 10 !== 0) rows.push(`(${i}, 'p/${String(i).padStart(5, '0')}')`);
  }
  rows.push(`(99999, 'p/never-uploaded')`);
  await db.exec(`INSERT INTO photos VALUES ${rows.join(',')}`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  emu.injectFaults(null);
  await emu?.stop();
  await db?.close();
});

/** The report's two sections, without the timestamps that differ between runs. */
async function scan(args: string[] = [], extraEnv: Record<string, string> = {}) {
  const dir = workspace({ 'asset-audit.config.json': config });
  const run = await runCli(['detect', '--all', '-o', 'r.csv', '-v', ...args], { cwd: dir, env: { ...env, ...extraEnv }, timeoutMs: 120_000 });
  const files = readdirSync(dir);
  const report = files.includes('r.csv') ? readReport(readFileSync(path.join(dir, 'r.csv'), 'utf8')) : undefined;
  return { run, report, dir };
}

describe('Cloudinary faults', () => {
  let baseline: Awaited<ReturnType<typeof scan>>;
  beforeAll(async () => {
    baseline = await scan();
    expect(baseline.run.code, baseline.run.stderr).toBe(1);
    expect(baseline.report!.orphans).toHaveLength(260);
    expect(baseline.report!.missing.map((m) => m.public_id)).toEqual(['p/never-uploaded']);
  });

  it('5xx answers and truncated bodies are retried; the report is the same as without faults', async () => {
    emu.injectFaults({ errorRate: 0.2, status: 503, truncateRate: 0.1, seed: 7 });
    try {
      const { run, report } = await scan();
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/retry \d/);
      // the client backs off: fewer calls in flight, and the summary says so
      expect(run.stderr).toMatch(/Admin API calls in flight: now \d+ \(a call failed\)/);
      expect(run.stderr).toMatch(/Admin API calls in flight lowered to \d+ \(of 16\) while the store throttled, failed or slowed down/);
      expect(baseline.run.stderr).not.toMatch(/in flight lowered/);
      expect(report!.orphans).toEqual(baseline.report!.orphans);
      expect(report!.missing).toEqual(baseline.report!.missing);
    } finally {
      emu.injectFaults(null);
    }
  });

  it('a call that never answers is abandoned at --timeout and retried', async () => {
    emu.injectFaults({ hangRate: 0.15, seed: 3 });
    try {
      const { run, report } = await scan(['--timeout', '1']);
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/no answer within 1 s/);
      expect(report!.orphans).toEqual(baseline.report!.orphans);
    } finally {
      emu.injectFaults(null);
    }
  });

  it('a persistent 500 ends with exit 3 and no report presented as complete', async () => {
    emu.injectFaults({ errorRate: 1, status: 500, onlyPaths: /^resources/ });
    try {
      const { run, dir } = await scan();
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/Cloudinary answered with an error/);
      expect(readdirSync(dir)).not.toContain('r.csv');
    } finally {
      emu.injectFaults(null);
    }
  });

  it.each([
    [420, true],
    [429, true],
    [429, false],
  ])('a %i (headers: %s) stops the scan: exit 4, partial report', async (status, headers) => {
    emu.setRateLimit({ limit: 5000, remaining: 0, status: status as 420 | 429, headers });
    try {
      const { run, report } = await scan();
      expect(run.code, run.stderr).toBe(4);
      expect(report!.incomplete).toMatch(/Rate Limit Exceeded/);
      expect(report!.missing).toEqual([]);
      // the throttle halved the calls in flight before the guard stopped the scan
      expect(run.stderr).toMatch(/Admin API calls in flight: now 8 \(the store throttled a call\)/);
    } finally {
      emu.setRateLimit({ limit: 5000, remaining: 5000, status: 420, headers: true });
    }
  });

  it('rejected credentials: exit 3, no retry, no report', async () => {
    emu.injectFaults({ errorRate: 1, status: 401 });
    try {
      const { run, dir } = await scan();
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/rejected the credentials/);
      expect(run.stderr).not.toContain('fault-secret-value');
      expect(run.stderr).not.toMatch(/retry \d/);
      expect(readdirSync(dir)).not.toContain('r.csv');
    } finally {
      emu.injectFaults(null);
    }
  });
});

describe('database faults', () => {
  it('authentication failure names the fix', async () => {
    const server = await rejectingPostgres();
    try {
      const { run } = await scan([], { DATABASE_URL: `postgres://app:db-secret-pw@127.0.0.1:${server.port}/app` });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/Authentication failed: check the user and password in DATABASE_URL/);
      expect(run.stderr).not.toContain('db-secret-pw');
    } finally {
      await server.close();
    }
  });

  it('a connection dropped mid-stream names the source; no report', async () => {
    const port = Number(new URL(db.url).port);
    const proxy = await cuttingProxy(port, 20_000);
    try {
      const url = new URL(db.url);
      url.port = String(proxy.port);
      const { run, dir } = await scan([], { DATABASE_URL: url.toString() });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/(reference source "photos"|database).*(terminated|closed|ECONNRESET|lost)/i);
      expect(readdirSync(dir)).not.toContain('r.csv');
    } finally {
      await proxy.close();
    }
  });

  it('a statement timeout names the source and the setting', async () => {
    if (db.kind === 'pglite') return; // the embedded Postgres runs single-threaded: no timer interrupts
    const slow = { references: [{ name: 'slow', query: 'SELECT image AS ref FROM photos, pg_sleep(3) LIMIT 1' }], database: { statementTimeoutSeconds: 1 } };
    const dir = workspace({ 'asset-audit.config.json': slow });
    const run = await runCli(['detect', '--all'], { cwd: dir, env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/reference source "slow".*statement timeout.*statementTimeoutSeconds/);
  });
});

describe('interruption', () => {
  it('SIGTERM while the references are read: exit 4, nothing written', async () => {
    const slow = { references: [{ name: 'slow', query: 'SELECT image AS ref FROM photos, (SELECT pg_sleep(1.5)) AS s' }] };
    const dir = workspace({ 'asset-audit.config.json': slow });
    const run = await runCli(['detect', '--all', '-o', 'r.csv'], { cwd: dir, env, onSpawn: signalWhen('Reading references', 'SIGTERM') });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stderr).toMatch(/interrupted \(SIGTERM\) before a report could be written/);
    expect(readdirSync(dir)).not.toContain('r.csv');
  });

  it('SIGTERM during the listing writes a partial report marked incomplete and exits 4', async () => {
    // pages slow enough that the listing is still running when the signal lands
    emu.setLatency(400);
    try {
      const dir = workspace({ 'asset-audit.config.json': config });
      const run = await runCli(['detect', '--all', '-o', 'r.csv'], { cwd: dir, env, onSpawn: signalWhen('distinct assets', 'SIGTERM', 200) });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/SIGTERM received/);
      const report = readReport(readFileSync(path.join(dir, 'r.csv'), 'utf8'));
      expect(report.incomplete).toMatch(/interrupted/);
      expect(report.missing).toEqual([]);
    } finally {
      emu.setLatency(0);
    }
  });
});
