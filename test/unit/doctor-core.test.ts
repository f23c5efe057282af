/** The doctor core in-process: checks come back as data, from the environment it is handed. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/run.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';

let emu: CloudinaryEmulator;
let dir: string;
let databaseUrl: string;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'doctor-core', apiSecret: 'doctor-core-secret' });
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-doctor-'));
  const file = path.join(dir, 'app.sqlite3');
  const db = new Database(file);
  db.exec(`CREATE TABLE photos (id INTEGER PRIMARY KEY, image TEXT); INSERT INTO photos VALUES (1, 'a'), (2, 'b');`);
  db.close();
  databaseUrl = `sqlite://${file}`;
  writeFileSync(
    path.join(dir, 'asset-audit.config.json'),
    JSON.stringify({ references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }, { name: 'typo', query: 'SELECT pic AS ref FROM nowhere' }] }),
  );
});

afterAll(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('runDoctor (in-process)', () => {
  it('returns every check with its status, and counts the failures', async () => {
    const told: Check[] = [];
    const result = await runDoctor({ cwd: dir, env: { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: databaseUrl }, onCheck: (c) => told.push(c) });
    expect(told).toEqual(result.checks);
    const status = (what: string) => result.checks.find((c) => c.what === what)?.status;
    expect(status('config')).toBe('ok');
    expect(status('Cloudinary')).toBe('ok');
    expect(status('database')).toBe('ok');
    expect(status('source "photos"')).toBe('ok');
    expect(result.checks.find((c) => c.what === 'source "photos"')?.detail).toBe('2 row(s)');
    expect(status('source "typo"')).toBe('fail');
    expect(status('reports')).toBe('ok');
    expect(status('email')).toBe('skip');
    expect(result.failed).toBe(1);
  });

  it('reads only the environment it is given', async () => {
    const result = await runDoctor({ cwd: dir, env: {} });
    expect(result.checks.find((c) => c.what === 'CLOUDINARY_URL')).toMatchObject({ status: 'fail', detail: expect.stringContaining('CLOUDINARY_URL is not set') });
    expect(result.checks.find((c) => c.what === 'DATABASE_URL')).toMatchObject({ status: 'fail', detail: expect.stringContaining('DATABASE_URL is not set') });
    expect(result.failed).toBe(2);
  });
});
