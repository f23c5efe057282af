import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'layer-cloud', apiKey: '5', apiSecret: 'layer-secret' });
  db = await startDatabase();
  for (const id of ['photos/a', 'photos/b', 'brand/logo', 'brand/watermark', 'fonts/Brand.ttf', 'defaults/avatar', 'unused/x']) {
    emu.addAsset({ public_id: id, resource_type: id.endsWith('.ttf') ? 'raw' : 'image', format: id.endsWith('.ttf') ? 'ttf' : 'png' });
  }
  await db.exec(`CREATE TABLE posts (id int PRIMARY KEY, image text)`);
  const base = 'https://res.cloudinary.com/layer-cloud/image/upload';
  const rows = [
    // unversioned: the layer segment could be a folder, so its asset is only protected
    `${base}/l_brand:logo,g_south_east/photos/a.jpg`,
    // versioned: every layer is certain, so a missing one is a missing reference
    `${base}/l_brand:watermark/fl_layer_apply/u_gone:backdrop/v1/photos/b.jpg`,
    `${base}/l_text:fonts:Brand.ttf_40:Hello/d_defaults:avatar.png/v2/photos/a.jpg`,
  ];
  await db.exec(`INSERT INTO posts VALUES ${rows.map((r, i) => `(${i}, '${r}')`).join(',')}`);
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('assets used inside transformations', () => {
  it('overlays, underlays, fonts and default images are references; only certain ones can be missing', async () => {
    const dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'posts', table: 'posts', column: 'image', id: 'id' }] } });
    const run = await runCli(['detect', '--all', '--json'], { cwd: dir, env: { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url } });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.orphans.map((o: { publicId: string }) => o.publicId)).toEqual(['unused/x']);
    expect(result.missing.map((m: { publicId: string }) => m.publicId)).toEqual(['gone/backdrop']);
  });
});
