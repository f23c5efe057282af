/**
 * detect, doctor and delete end to end against MariaDB (the local server, or TEST_MYSQL_URL): the
 * same seeded scenario as the Postgres detect tests, read through a mysql:// DATABASE_URL.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { cuttingProxy } from '../support/net-faults.js';
import { describeMysql, startMysql, type TestMysql } from '../support/mysql.js';
import { scenarioConfig, seedScenario, type Expected } from '../support/seed.js';

const DAY = 86_400_000;

describeMysql('detect against MariaDB', () => {
  let emu: CloudinaryEmulator;
  let db: TestMysql;
  let expected: Expected;
  let env: Record<string, string>;

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'acme-maria', apiKey: '123456789012345', apiSecret: 'maria-s3cret-value', rateLimit: 5000 });
    db = await startMysql();
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
    expect(run.code, run.stderr).toBe(1);
    const reports = path.join(dir, 'reports');
    const csv = readdirSync(reports).find((f) => f.endsWith('.csv'))!;
    const report = readReport(readFileSync(path.join(reports, csv), 'utf8'));
    expect(new Set(report.orphans.map((o) => `${o.resource_type}/${o.type}/${o.public_id}`))).toEqual(expected.orphans);
    expect(new Set(report.missing.map((m) => `${m.source}:${m.record_id}:${m.public_id}`))).toEqual(expected.missing);
    expect(report.unverified).toEqual([]);
    const gone = report.missing.find((m) => m.public_id === 'prompts/gone_1')!;
    expect(gone).toMatchObject({ title: 'Gone 1', author: 'alice', status: 'ACTIVE', created_at: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect(report.missing.find((m) => m.public_id === 'prompts/gone_0')!.status).toBe('DELETED');
  });

  it('a bare id inside a JSON column (text on the wire) is never an orphan', async () => {
    emu.addAsset({ public_id: 'shop/shoe', created_at: new Date(Date.now() - DAY).toISOString() });
    emu.addAsset({ public_id: 'shop/unused', created_at: new Date(Date.now() - DAY).toISOString() });
    await db.exec('CREATE TABLE products (id INT PRIMARY KEY, data JSON)');
    await db.exec(`INSERT INTO products VALUES (1, '{"name": "Shoe", "gallery": [{"image": "shop/shoe"}]}')`);
    const config = { ...scenarioConfig, references: [...scenarioConfig.references, { name: 'products', table: 'products', column: 'data', id: 'id' }] };
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--days', '30', '--json', '--quiet'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const orphans = (JSON.parse(run.stdout) as { orphans: Array<{ publicId: string }> }).orphans.map((o) => o.publicId);
    expect(orphans).toContain('shop/unused');
    expect(orphans).not.toContain('shop/shoe');
  });

  it('init writes sources for this database (shorthands without the database name, backquoted names in queries) that init --check finds covering', async () => {
    await db.exec('CREATE TABLE gallery (id INT PRIMARY KEY, `cover image` VARCHAR(300))');
    await db.exec(`INSERT INTO gallery VALUES (1, 'https://res.cloudinary.com/acme-maria/image/upload/v1/prompts/image_upload_1.jpg')`);
    const dir = workspace({});
    const init = await runCli(['init'], { cwd: dir, env });
    expect(init.code, init.stderr).toBe(0);
    const written = readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8');
    expect(written).not.toContain('"schema"');
    expect(written).toContain('{ "name": "prompts_prompt_featured_image", "table": "prompts_prompt", "column": "featured_image", "id": "id", "title": "title" }');
    expect(written).toMatch(/"query": "SELECT `id` AS id, `cover image` AS ref FROM (`\w+`\.)?`gallery` WHERE `cover image` IS NOT NULL"/);
    const check = await runCli(['init', '--check'], { cwd: dir, env });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toMatch(/covered +\S+\.gallery\.cover image/);
  });

  it('doctor reports the connection and the read-only session', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['doctor'], { cwd: dir, env });
    expect(run.stderr + run.stdout).toMatch(/read-only/i);
    expect(run.stderr + run.stdout).not.toContain('maria-s3cret-value');
  });

  it('a database that refuses the login exits 3 with the host and the fix, without the password', async () => {
    const url = new URL(db.url);
    url.username = 'nobody_here';
    url.password = 'pw-never-shown';
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['detect', '--days', '30'], { cwd: dir, env: { ...env, DATABASE_URL: url.toString() } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Access denied.*check the user and password in DATABASE_URL/);
    expect(run.stderr).toContain(`${url.hostname}:${url.port}`);
    expect(run.stderr).not.toContain('pw-never-shown');
  });

  it('a connection dropped mid-stream ends the run with exit 3, naming the source; no report', async () => {
    const proxy = await cuttingProxy(Number(new URL(db.url).port || 3306), 40_000);
    try {
      const url = new URL(db.url);
      url.port = String(proxy.port);
      const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
      const run = await runCli(['detect', '--days', '30'], { cwd: dir, env: { ...env, DATABASE_URL: url.toString() } });
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/reference source "prompts".*(Connection lost|closed|ECONNRESET)/i);
      expect(readdirSync(dir)).not.toContain('reports');
    } finally {
      await proxy.close();
    }
  });

  it('a statement over the timeout ends the run with exit 3, naming the source and the setting', async () => {
    const slow = { references: [{ name: 'slow', query: "SELECT featured_image AS ref FROM prompts_prompt WHERE BENCHMARK(500000000, SHA2('x', 512)) = 0" }], database: { statementTimeoutSeconds: 1 } };
    const dir = workspace({ 'asset-audit.config.json': slow });
    const run = await runCli(['detect', '--all'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/reference source "slow".*max_statement_time exceeded.*statementTimeoutSeconds/);
  });
});

describeMysql('delete against MariaDB', () => {
  let emu: CloudinaryEmulator;
  let db: TestMysql;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'maria-del', apiKey: '42', apiSecret: 'maria-delete-secret' });
    db = await startMysql();
    const old = new Date(Date.now() - 10 * DAY).toISOString();
    for (let i = 0; i < 3; i++) emu.addAsset({ public_id: `used/${i}`, created_at: old });
    for (let i = 0; i < 20; i++) emu.addAsset({ public_id: `orphan/${i}`, created_at: old });
    await db.exec('CREATE TABLE photos (id INT PRIMARY KEY, image VARCHAR(255)); CREATE TABLE posts (id INT PRIMARY KEY, body TEXT)');
    await db.exec("INSERT INTO photos VALUES (0, 'used/0'), (1, 'used/1'), (2, 'used/2')");
    env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
    dir = workspace({
      'asset-audit.config.json': {
        references: [
          { name: 'photos', table: 'photos', column: 'image', id: 'id' },
          { name: 'posts', table: 'posts', column: 'body', id: 'id', extract: 'text' },
        ],
      },
    });
    const detect = await runCli(['detect', '--days', '30', '-o', 'report.csv'], { cwd: dir, env });
    if (detect.code !== 1) throw new Error(`detect: ${detect.code} ${detect.stderr}`);
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('deletes the confirmed orphans, re-reading MariaDB first: a newly referenced one is kept', async () => {
    await db.exec("INSERT INTO posts VALUES (1, '<img src=\"https://res.cloudinary.com/maria-del/image/upload/v1/orphan/7.jpg\">')");
    const run = await runCli(['delete', '--input', 'report.csv', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1); // one candidate was skipped
    expect(run.stderr).toMatch(/Deleted 19, already gone 0, skipped 1, failed 0/);
    expect(emu.allAssets().map((a) => a.public_id).sort()).toEqual(['orphan/7', 'used/0', 'used/1', 'used/2']);
  });
});
