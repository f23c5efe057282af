/** An account, a database and a reviewed detect report of them, for the delete tests. */
import path from 'node:path';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from './cli.js';
import { startDatabase, type TestDatabase } from './database.js';

export const DAY = 86_400_000;
export const deleteConfig = {
  references: [
    { name: 'photos', table: 'photos', column: 'image', id: 'id' },
    { name: 'posts', table: 'posts', column: 'body', id: 'id', extract: 'text' },
  ],
  ignore: ['keep/**'],
};

export interface World {
  emu: CloudinaryEmulator;
  db: TestDatabase;
  env: Record<string, string>;
  dir: string;
  report: string;
}

/** An account with 150 old orphans, 5 used assets, one fresh orphan, and a detect report of it. */
export async function deleteWorld(cloudName: string, start: () => Promise<TestDatabase> = startDatabase): Promise<World> {
  const emu = await CloudinaryEmulator.start({ cloudName, apiKey: '42', apiSecret: 'delete-test-secret' });
  const db = await start();
  const old = new Date(Date.now() - 10 * DAY).toISOString();
  for (let i = 0; i < 5; i++) emu.addAsset({ public_id: `used/${i}`, created_at: old });
  for (let i = 0; i < 150; i++) emu.addAsset({ public_id: `orphan/${i}`, created_at: old });
  emu.addAsset({ public_id: 'fresh/1', created_at: new Date(Date.now() - 3_600_000).toISOString() });
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text); CREATE TABLE posts (id int PRIMARY KEY, body text);`);
  await db.exec(`INSERT INTO photos VALUES ${[0, 1, 2, 3, 4].map((i) => `(${i}, 'used/${i}')`).join(',')}`);
  await db.exec(`INSERT INTO posts VALUES (1, '<p>no images</p>')`);
  const env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  const dir = workspace({ 'asset-audit.config.json': deleteConfig });
  const detect = await runCli(['detect', '--days', '30', '-o', 'report.csv'], { cwd: dir, env });
  if (detect.code !== 1) throw new Error(`detect: ${detect.code} ${detect.stderr}`);
  return { emu, db, env, dir, report: path.join(dir, 'report.csv') };
}

