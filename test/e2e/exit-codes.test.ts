import { readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const SECRET = 'Zx9-very-secret-api-value';
let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
const config = { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] };

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'exit-cloud', apiKey: '111', apiSecret: SECRET });
  db = await startDatabase();
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text)`);
  const rows: string[] = [];
  for (let i = 0; i < 1200; i++) {
    emu.addAsset({ public_id: `photos/p${i}`, created_at: new Date(Date.now() - 86_400_000).toISOString() });
    rows.push(`(${i}, 'photos/p${i}')`);
  }
  await db.exec(`INSERT INTO photos VALUES ${rows.join(',')}`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

describe('exit codes through the real CLI', () => {
  it('0: complete and clean', async () => {
    const run = await runCli(['detect', '--all'], { cwd: workspace({ 'asset-audit.config.json': config }), env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Orphaned: 0');
  });

  it('1: findings, and --fail-on decides which count', async () => {
    emu.addAsset({ public_id: 'photos/unused' });
    try {
      const dir = workspace({ 'asset-audit.config.json': config });
      expect((await runCli(['detect'], { cwd: dir, env })).code).toBe(1);
      expect((await runCli(['detect', '--fail-on', 'missing'], { cwd: dir, env })).code).toBe(0);
      expect((await runCli(['detect', '--fail-on', 'none'], { cwd: dir, env })).code).toBe(0);
    } finally {
      emu.removeAsset('image', 'upload', 'photos/unused');
    }
  });

  it.each([
    [['detect', '--all', '--days', '3'], /--all and --days/],
    [['detect', '--days', '-2'], /--days must be at least 1/],
    [['detect', '--days', 'abc'], /--days must be a whole number/],
    [['detect', '--resource-type', 'audio'], /--resource-type: unknown value "audio"/],
    [['detect', '--orphans-only', '--missing-only'], /exclude each other/],
    [['detect', '--fail-on', 'sometimes'], /--fail-on/],
    [['detect', '--no-such-flag'], /unknown option/],
    [['frobnicate'], /unknown command/],
  ])('2: %j', async (args, message) => {
    const run = await runCli(args, { cwd: workspace({ 'asset-audit.config.json': config }), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('2: no config file names the fix', async () => {
    const run = await runCli(['detect'], { cwd: workspace(), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No configuration file found.*asset-audit init.*--config/s);
  });

  it('2: an invalid config names the key', async () => {
    const bad = { references: [{ name: 'photos', table: 'photos', colum: 'image' }] };
    const run = await runCli(['detect'], { cwd: workspace({ 'asset-audit.config.json': bad }), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/asset-audit\.config\.json: references\[0\]/);
  });

  it('2: YAML syntax errors and a missing ref column', async () => {
    const yaml = await runCli(['detect'], { cwd: workspace({ 'asset-audit.config.yaml': 'references:\n  - name: x\n   query: [' }), env });
    expect(yaml.code).toBe(2);
    expect(yaml.stderr).toMatch(/not valid YAML/);
    const noRef = { references: [{ name: 'photos', query: 'SELECT id, image FROM photos' }] };
    const run = await runCli(['detect'], { cwd: workspace({ 'asset-audit.config.json': noRef }), env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/reference source "photos" returns no column named "ref".*AS ref/);
  });

  it('2: missing or malformed CLOUDINARY_URL names the fix, without the secret', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const unset = await runCli(['detect'], { cwd: dir, env: { DATABASE_URL: db.url } });
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(/CLOUDINARY_URL is not set.*cloudinary:\/\/API_KEY:API_SECRET@CLOUD_NAME/);
    const bad = await runCli(['detect'], { cwd: dir, env: { DATABASE_URL: db.url, CLOUDINARY_URL: `https://111:${SECRET}@exit-cloud` } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).not.toContain(SECRET);
  });

  it('2: a "%" in the DATABASE_URL password that starts no escape names the variable, in every command', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const url = 'postgres://app:50%off-Secret@127.0.0.1:5432/app';
    for (const args of [['detect'], ['init', '--check'], ['delete', '-i', 'none.csv']]) {
      const run = await runCli(args, { cwd: dir, env: { ...env, DATABASE_URL: url } });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/DATABASE_URL: the password holds a "%" that does not start a %XX escape.*%25/);
      expect(run.stderr).not.toMatch(/URIError|unexpected failure|off-Secret/);
    }
    const doctor = await runCli(['doctor'], { cwd: dir, env: { ...env, DATABASE_URL: url } });
    expect(doctor.stderr).toMatch(/\[FAIL\] DATABASE_URL: DATABASE_URL: the password holds a "%"/);
    expect(doctor.stderr).not.toMatch(/off-Secret/);
  });

  it('3: database unreachable, no report written', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect'], { cwd: dir, env: { ...env, DATABASE_URL: `postgres://u:dbpass-XYZ@127.0.0.1:${await freePort()}/x` } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/ECONNREFUSED|Nothing is listening/);
    expect(run.stderr).not.toContain('dbpass-XYZ');
    expect(readdirSync(dir)).not.toContain('reports');
  });

  it('3: a source with bad SQL is named', async () => {
    const bad = { references: [{ name: 'broken', query: 'SELECT image AS ref FROM no_such_table' }] };
    const run = await runCli(['detect'], { cwd: workspace({ 'asset-audit.config.json': bad }), env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/reference source "broken".*no_such_table/);
  });

  it('3: Cloudinary rejects the credentials; the secret is never printed', async () => {
    const wrong = emu.cloudinaryUrl.replace(SECRET, 'wrong-secret-123');
    const run = await runCli(['detect'], { cwd: workspace({ 'asset-audit.config.json': config }), env: { ...env, CLOUDINARY_URL: wrong } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/rejected the credentials/);
    expect(run.stderr + run.stdout).not.toContain('wrong-secret-123');
    expect(run.stderr + run.stdout).not.toContain(SECRET);
  });

  it('4: the rate-limit guard stops the scan and writes a partial report marked incomplete', async () => {
    emu.setRateLimit({ limit: 100, remaining: 6 });
    try {
      const dir = workspace({ 'asset-audit.config.json': config });
      const run = await runCli(['detect', '--all'], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/INCOMPLETE/);
      const reports = readdirSync(path.join(dir, 'reports'));
      const csv = reports.find((f) => f.endsWith('_incomplete.csv'));
      expect(csv).toBeDefined();
      expect(readFileSync(path.join(dir, 'reports', csv!), 'utf8')).toMatch(/^INCOMPLETE SCAN: /);
    } finally {
      emu.setRateLimit({ limit: 5000, remaining: 5000 });
    }
  });

  it('4: a 420 from Cloudinary stops the scan the same way', async () => {
    emu.setRateLimit({ limit: 5000, remaining: 0 });
    try {
      const run = await runCli(['detect', '--all'], { cwd: workspace({ 'asset-audit.config.json': config }), env });
      expect(run.code, run.stderr).toBe(4);
      expect(run.stderr).toMatch(/Rate Limit Exceeded/);
    } finally {
      emu.setRateLimit({ limit: 5000, remaining: 5000 });
    }
  });
});
