/**
 * Symlinks in a media folder are set apart (never listed, never followed), so the listing cannot
 * prove a path through one absent: a referenced symlink, or a file under a symlinked folder, is
 * looked at (a link counts as present) instead of being reported missing. detect() in-process on a
 * real temporary tree and a real SQLite file.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { buildScope } from '../../src/config/scope.js';
import { openDatabase } from '../../src/database/open.js';
import { silentLogger } from '../../src/log.js';
import { detect } from '../../src/scan/detect.js';
import { LocalFolder, LOCAL_PARTITION } from '../../src/storage/local/backend.js';
import { sqlite, type EngineFixture } from '../support/engines.js';

let dir: string;
let db: EngineFixture;

const config = parseConfigText(JSON.stringify({ references: [{ name: 'files', table: 'files', column: 'path', id: 'id', extract: 'value' }] }), 'inline.json').config!;

async function run(root: string) {
  const storage = new LocalFolder({ root, hosts: [] });
  const reader = await openDatabase(db.url, { statementTimeoutSeconds: 30 });
  try {
    return await detect({ config, scope: buildScope({ all: true }, new Date(), [LOCAL_PARTITION], 'local'), storage, reader, log: silentLogger, version: 'test' });
  } finally {
    storage.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-links-'));
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'elsewhere', 'shared.jpg'), 's');
  for (const name of ['linked', 'plain']) {
    mkdirSync(path.join(dir, name, 'avatars'), { recursive: true });
    writeFileSync(path.join(dir, name, 'avatars', 'a.jpg'), 'a');
  }
  symlinkSync(path.join(dir, 'elsewhere', 'shared.jpg'), path.join(dir, 'linked', 'avatars', 'b.jpg'));
  symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'linked', 'shared'));
  db = await sqlite.start();
  await db.exec('CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT)');
  await db.exec(`INSERT INTO files VALUES (1, 'avatars/a.jpg'), (2, 'avatars/b.jpg'), (3, 'shared/shared.jpg'), (4, 'avatars/gone.jpg')`);
});

afterAll(async () => {
  await db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('symlinks set apart by the walk', () => {
  it('a referenced symlink and a file under a symlinked folder count as present; a gone file is still missing', async () => {
    const result = await run(path.join(dir, 'linked'));
    expect(result.complete).toBe(true);
    expect(result.listing.apart?.samples.map((a) => a.key).sort()).toEqual(['avatars/b.jpg', 'shared']);
    expect([...result.orphans]).toEqual([]);
    expect([...result.missing].map((m) => m.publicId)).toEqual(['avatars/gone.jpg']);
  });

  it('a folder without symlinks still proves absence by its listing', async () => {
    const result = await run(path.join(dir, 'plain'));
    expect(result.complete).toBe(true);
    expect([...result.missing].map((m) => m.publicId).sort()).toEqual(['avatars/b.jpg', 'avatars/gone.jpg', 'shared/shared.jpg']);
    expect(result.api.heads ?? 0).toBe(0);
  });
});
