/**
 * Choosing the store by URL: --storage, STORAGE_URL, config storage.url, else CLOUDINARY_URL.
 * The schemes of the backends still to come answer a usage error naming what is supported.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
const config = { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] };

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'url-cloud' });
  db = await startDatabase();
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text)`);
  await db.exec(`INSERT INTO photos VALUES (1, 'photos/kept')`);
  emu.addAsset({ public_id: 'photos/kept' });
  emu.addAsset({ public_id: 'photos/orphan' });
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

const twinOf = (dir: string) => {
  const name = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.json'))!;
  return JSON.parse(readFileSync(path.join(dir, 'reports', name), 'utf8')) as { backend?: string; cloudName: string; orphans: Array<{ publicId: string }> };
};

describe('the store chosen by URL', () => {
  it.each([
    ['STORAGE_URL', (url: string) => ({ env: { STORAGE_URL: url }, config })],
    ['--storage', (url: string) => ({ env: { STORAGE_URL: 'cloudinary://1:2@elsewhere' }, config, args: ['--storage', url] })],
    ['config storage.url', (url: string) => ({ env: {}, config: { ...config, storage: { url } } })],
  ] as const)('%s, without CLOUDINARY_URL (the SDK still talks plain HTTP to the emulator)', async (_what, setup) => {
    const s = setup(emu.cloudinaryUrl) as { env: Record<string, string>; config: object; args?: string[] };
    const dir = workspace({ 'asset-audit.config.json': s.config });
    const run = await runCli(['detect', '--all', '--fail-on', 'none', ...(s.args ?? [])], { cwd: dir, env: { DATABASE_URL: db.url, CLOUDINARY_URL: '', ...s.env } });
    expect(run.code, run.stderr).toBe(0);
    const twin = twinOf(dir);
    expect(twin.backend).toBe('cloudinary');
    expect(twin.cloudName).toBe('url-cloud');
    expect(twin.orphans.map((o) => o.publicId)).toEqual(['photos/orphan']);
  });

  it('file: names a media folder; one that is not there is a usage error naming it', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--storage', 'file:///srv/no-such-media'], { cwd: dir, env: { DATABASE_URL: db.url, CLOUDINARY_URL: emu.cloudinaryUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--storage: the media folder \/srv\/no-such-media cannot be opened \(ENOENT\)/);
  });

  it('imagekit://: a store that cannot be reached fails without showing the private key', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--storage', 'imagekit://pub:private_sekrit@endpoint?baseURL=http://127.0.0.1:9', '--timeout', '5'], { cwd: dir, env: { DATABASE_URL: db.url, CLOUDINARY_URL: emu.cloudinaryUrl } });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('ImageKit library "endpoint"');
    expect(run.stderr).not.toContain('private_sekrit');
  });

  it('an unknown scheme is a usage error listing the supported ones', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect'], { cwd: dir, env: { DATABASE_URL: db.url, STORAGE_URL: 'ftp://host/x' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/STORAGE_URL: unknown storage scheme "ftp:"\. Supported: cloudinary:/);
  });
});
