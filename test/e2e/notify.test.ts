import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
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
let hook: Server;
let hookUrl: string;
const received: Array<{ path: string; contentType: string; body: string; authorization?: string }> = [];
let answer = 204;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'hook-cloud' });
  db = await startDatabase();
  expected = await seedScenario(emu, db);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: String(req.headers['content-type']), body, authorization: req.headers.authorization });
      res.writeHead(answer).end(answer >= 400 ? 'no thanks' : '');
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/services/T000/B000/hook-token-abc`;
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
  await new Promise((r) => hook?.close(r));
});

describe('webhook', () => {
  it('a URL with user:password@ is sent with a Basic Authorization header, the credentials out of the URL and the output', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    received.length = 0;
    const withCredentials = hookUrl.replace('http://', 'http://hook-user:p%40ss%3Aword-9@');
    const run = await runCli(['detect', '--days', '30', '--notify-url', withCredentials], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]!.authorization).toBe(`Basic ${Buffer.from('hook-user:p@ss:word-9').toString('base64')}`);
    expect(received[0]!.path).toBe('/services/T000/B000/hook-token-abc');
    expect(run.stderr).toMatch(/Webhook notified/);
    expect(run.stderr + run.stdout).not.toMatch(/p%40ss|p@ss|word-9/);
  });

  it('posts a JSON summary after the report is written', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    received.length = 0;
    const run = await runCli(['detect', '--days', '30', '--notify-url', hookUrl], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/services/T000/B000/hook-token-abc');
    expect(received[0]!.contentType).toBe('application/json');
    const body = JSON.parse(received[0]!.body);
    expect(body).toMatchObject({ event: 'asset-audit.detect', cloud: 'hook-cloud', complete: true, exitCode: 1 });
    expect(body.orphans.count).toBe(expected.orphans.size);
    expect(body.orphans.first).toHaveLength(20);
    expect(body.missing.count).toBe(expected.missing.size);
    expect(body.report).toMatch(/^reports\/asset_detection_.*\.csv$/);
    expect(run.stderr).toMatch(/Webhook notified \(json, http:\/\/127\.0\.0\.1:\d+\)/);
    // the path of a webhook is its credential: never printed
    expect(run.stderr).not.toContain('hook-token-abc');
  });

  it('--notify-format slack sends Slack\'s {text, blocks}; NOTIFY_URL works too', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    received.length = 0;
    const run = await runCli(['detect', '--days', '30', '--notify-format', 'slack'], { cwd: dir, env: { ...env, NOTIFY_URL: hookUrl } });
    expect(run.code, run.stderr).toBe(1);
    const body = JSON.parse(received[0]!.body);
    expect(body.text).toMatch(/^asset-audit hook-cloud: \d+ orphaned file\(s\)/);
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
  });

  it('stays quiet without findings unless --notify-always; a failing webhook does not change the exit code', async () => {
    const dir = workspace({ 'asset-audit.config.json': { ...scenarioConfig, notify: { url: hookUrl } } });
    received.length = 0;
    const clean = await runCli(['detect', '--prefix', 'nothing-here/'], { cwd: dir, env });
    expect(clean.code, clean.stderr).toBe(0);
    expect(received).toHaveLength(0);
    answer = 500;
    try {
      const failing = await runCli(['detect', '--prefix', 'nothing-here/', '--notify-always'], { cwd: dir, env });
      expect(failing.code, failing.stderr).toBe(0);
      expect(received).toHaveLength(1);
      expect(failing.stderr).toMatch(/error: webhook NOT notified: webhook http:\/\/127\.0\.0\.1:\d+ answered 500: no thanks\. The report is on disk/);
      expect(readdirSync(path.join(dir, 'reports')).filter((f) => f.endsWith('.csv'))).toHaveLength(2);
    } finally {
      answer = 204;
    }
  });
});
