/**
 * `detect --verify head|auto` through the real CLI: existence confirmed by HEAD requests on delivery
 * URLs (public assets) and signed download URLs (private, authenticated), with no Admin API lookup,
 * the same missing set as lookups, and a failed HEAD never turning into "missing".
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator, type RequestLogEntry } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario, type Expected } from '../support/seed.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let expected: Expected;
let env: Record<string, string>;
const LIMIT = 100_000;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'head-cloud', apiKey: '333', apiSecret: 'head-s3cret-value', rateLimit: LIMIT });
  db = await startDatabase();
  expected = await seedScenario(emu, db);
  // delivery URLs built by the SDK against the emulator: plain HTTP to a custom host (cname)
  env = { CLOUDINARY_URL: `${emu.cloudinaryUrl}&cname=127.0.0.1:${emu.port}&secure=false`, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

type Row = { source: string; recordId: string; publicId: string };
const keys = (rows: Row[]) => rows.map((m) => `${m.source}:${m.recordId}:${m.publicId}`).sort();
const lookupCalls = (log: readonly RequestLogEntry[]) => log.filter((e) => e.kind === 'admin' && e.params.public_ids !== undefined);

describe('[slow] detect --verify head', () => {
  it('finds the same missing set as lookups, with no Admin API lookup', async () => {
    emu.setRateLimit({ remaining: LIMIT });
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    emu.clearRequests();
    const byLookup = await runCli(['detect', '--days', '1', '--json'], { cwd: dir, env });
    expect(byLookup.code, byLookup.stderr).toBe(1);
    const a = JSON.parse(byLookup.stdout);
    expect(lookupCalls(emu.requests).length).toBeGreaterThan(0);

    emu.clearRequests();
    const byHead = await runCli(['detect', '--days', '1', '--verify', 'head', '--json'], { cwd: dir, env });
    expect(byHead.code, byHead.stderr).toBe(1);
    const b = JSON.parse(byHead.stdout);
    expect(keys(b.missing)).toEqual(keys(a.missing));
    expect(keys(b.missing)).toEqual([...expected.missing].sort());
    expect(b.unverified).toEqual([]);
    expect(b.complete).toBe(true);
    expect(b.api.lookups).toBe(0);
    expect(b.api.heads).toBeGreaterThan(0);
    expect(byHead.stderr).toMatch(/HEAD requests: [\d,]+/);

    const log = emu.requests;
    expect(lookupCalls(log)).toEqual([]);
    const heads = log.filter((e) => e.kind === 'delivery');
    expect(heads.length).toBe(b.api.heads);
    expect(heads.every((e) => e.method === 'HEAD')).toBe(true);
    // public assets by their delivery URL, found and not found
    const delivered = heads.filter((e) => e.segments[1] === 'upload');
    expect(delivered.some((e) => e.status === 200)).toBe(true);
    expect(delivered.some((e) => e.status === 404 && e.path.includes('prompts/gone_'))).toBe(true);
    // raw ids keep their extension; images go without one (the original is delivered)
    expect(delivered.some((e) => e.segments[0] === 'raw' && e.status === 200 && /\.pdf$/.test(e.path))).toBe(true);
    expect(delivered.some((e) => e.segments[0] === 'image' && e.status === 200 && !/\.\w+$/.test(e.path))).toBe(true);
    // private and authenticated assets through the signed download endpoint
    const downloads = heads.filter((e) => e.segments[1] === 'download');
    expect(downloads.some((e) => e.params.type === 'private' && e.status === 200)).toBe(true);
    expect(downloads.some((e) => e.params.type === 'authenticated' && e.status === 200)).toBe(true);
    expect(downloads.every((e) => e.status === 200 || e.status === 404)).toBe(true);
  });

  it('a delivery 5xx leaves references unverified, never missing; --resume finishes by HEAD', async () => {
    emu.setRateLimit({ remaining: LIMIT });
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    emu.injectDeliveryFaults({ errorRate: 1, status: 503, onlyPaths: /prompts\/gone_1|never_uploaded/ });
    let first;
    try {
      first = await runCli(['detect', '--days', '1', '--verify', 'head', '--json'], { cwd: dir, env });
    } finally {
      emu.injectDeliveryFaults(null);
    }
    expect(first.code, first.stderr).toBe(4);
    const r = JSON.parse(first.stdout);
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toMatch(/by HEAD settled nothing/);
    const unverified = keys(r.unverified);
    expect(unverified.map((k) => k.split(':')[2]).sort()).toEqual(['avatars/never_uploaded', 'prompts/gone_1']);
    const rest = [...expected.missing].filter((k) => !/gone_1$|never_uploaded$/.test(k)).sort();
    expect(keys(r.missing)).toEqual(rest);

    const reports = path.join(dir, 'reports');
    const checkpoint = readdirSync(reports).find((f) => f.endsWith('.checkpoint.json'));
    expect(checkpoint, readdirSync(reports).join(', ')).toBeDefined();
    emu.clearRequests();
    const second = await runCli(['detect', '--resume', path.join(reports, checkpoint!), '--json'], { cwd: dir, env });
    expect(second.code, second.stderr).toBe(1);
    const done = JSON.parse(second.stdout);
    expect(done.complete).toBe(true);
    expect(keys(done.missing)).toEqual([...expected.missing].sort());
    expect(lookupCalls(emu.requests)).toEqual([]);
    // only what the first run left open was checked again
    expect(done.api.heads - r.api.heads).toBeLessThan(20);
  });

  it('auto: HEADs where the budget left does not cover the lookups, same result', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    emu.setRateLimit({ remaining: 12 });
    try {
      const run = await runCli(['detect', '--days', '1', '--verify', 'auto', '--rate-limit-stop', '100', '--json'], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(1);
      const r = JSON.parse(run.stdout);
      expect(r.complete).toBe(true);
      expect(keys(r.missing)).toEqual([...expected.missing].sort());
      expect(r.api.heads).toBeGreaterThan(0);
      expect(r.api.remaining).toBeGreaterThanOrEqual(0);
    } finally {
      emu.setRateLimit({ remaining: LIMIT });
    }
  });

  it('--plan says HEADs cost no budget; a bad --verify is a usage error', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const plan = await runCli(['detect', '--days', '1', '--verify', 'head', '--plan'], { cwd: dir, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr + plan.stdout).toMatch(/HEAD request\(s\) on delivery URLs, outside the Admin API budget/);
    const bad = await runCli(['detect', '--verify', 'ping'], { cwd: dir, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--verify');
  });
});
