/**
 * Stored forms that the parser does not count as this account's references but that still name one
 * of its assets. None of these assets may ever be reported as an orphan (or deleted).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
const OLD = new Date(Date.now() - 5 * 86_400_000).toISOString();

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'forms-cloud', apiKey: '4', apiSecret: 'forms-secret' });
  db = await startDatabase();
  for (const id of ['p/json-obj', 'p/json-arr', 'p/pathonly', 'p/cname', 'p/domain-a', 'p/domain-b', 'p/commented', 'p/unused']) {
    emu.addAsset({ public_id: id, created_at: OLD });
  }
  await db.exec(`
    CREATE DOMAIN pid AS text;
    CREATE TABLE docs (id int PRIMARY KEY, data jsonb, tags jsonb, path text, cname text, ids pid[]);
    INSERT INTO docs VALUES (1, '{"image": "p/json-obj", "caption": "A sunset"}', '["p/json-arr"]',
      '/image/upload/v1/p/pathonly.jpg', 'https://media.example.com/image/upload/v1/p/cname.jpg', ARRAY['p/domain-a', 'p/domain-b']::pid[]);
    CREATE TABLE notes (id int, ref text);
    INSERT INTO notes VALUES (1, 'p/commented');
  `);
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('forms that only protect', () => {
  it('bare ids in JSON, path-only values, unlisted custom hosts, domain arrays: never orphans', async () => {
    const config = {
      references: [
        { name: 'data', table: 'docs', column: 'data', id: 'id', extract: 'text' },
        { name: 'tags', table: 'docs', column: 'tags', id: 'id', extract: 'text' },
        { name: 'path', table: 'docs', column: 'path', id: 'id' },
        { name: 'cname', table: 'docs', column: 'cname', id: 'id' },
        { name: 'ids', table: 'docs', column: 'ids', id: 'id' },
        { name: 'notes', query: 'SELECT id, ref FROM notes; -- the notes table' },
      ],
    };
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--all', '--json'], { cwd: dir, env: { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url } });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.orphans.map((o: { publicId: string }) => o.publicId)).toEqual(['p/unused']);
    expect(result.missing).toEqual([]);
  });
});
