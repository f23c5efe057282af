/**
 * detect() called in-process, as a library: an open SQLite reader and the Cloudinary backend
 * (the official SDK talking to the emulator over loopback), no CLI, flags or environment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import type { FileConfig } from '../../src/config/schema.js';
import { buildScope } from '../../src/config/scope.js';
import { CLOUDINARY_PARTITIONS } from '../../src/storage/cloudinary/partitions.js';
import { openDatabase } from '../../src/database/open.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { detect } from '../../src/scan/detect.js';
import { openStorage } from '../../src/storage/open.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { sqlite, type EngineFixture } from '../support/engines.js';

let emu: CloudinaryEmulator;
let db: EngineFixture;
let storage: StorageBackend;
let config: FileConfig;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'lib-cloud' });
  for (const id of ['a/kept', 'a/orphan', 'b/kept']) emu.addAsset({ public_id: id });
  emu.addAsset({ public_id: 'docs/kept.pdf', resource_type: 'raw' });
  db = await sqlite.start();
  await db.exec(`CREATE TABLE posts (id INTEGER PRIMARY KEY, image TEXT, body TEXT)`);
  await db.exec(`INSERT INTO posts VALUES
    (1, 'a/kept', NULL),
    (2, 'https://res.cloudinary.com/lib-cloud/image/upload/v1/b/kept.jpg', '<a href="https://res.cloudinary.com/lib-cloud/raw/upload/docs/kept.pdf">x</a>'),
    (3, 'a/gone', NULL)`);
  const parsed = parseConfigText(JSON.stringify({
    references: [
      { name: 'images', table: 'posts', column: 'image', id: 'id' },
      { name: 'bodies', table: 'posts', column: 'body', id: 'id', extract: 'text' },
    ],
  }), 'inline.json');
  config = parsed.config!;
  storage = await openStorage(config, { CLOUDINARY_URL: emu.cloudinaryUrl });
});

afterAll(async () => {
  storage?.close();
  await emu?.stop();
  await db?.close();
});

describe('detect() in-process', () => {
  it('judges with an open SQLite reader and the emulator-backed Cloudinary backend', async () => {
    const reader = await openDatabase(db.url, { statementTimeoutSeconds: 30 });
    const result = await detect({ config, scope: buildScope({ all: true }, new Date(), CLOUDINARY_PARTITIONS, 'cloudinary'), storage, reader, log: silentLogger, version: 'test' });
    expect(result.complete).toBe(true);
    expect(result.backend).toBe('cloudinary');
    expect(result.cloudName).toBe('lib-cloud');
    expect([...result.orphans].map((o) => o.publicId)).toEqual(['a/orphan']);
    expect([...result.missing].map((m) => [m.source, m.recordId, m.publicId])).toEqual([['images', '3', 'a/gone']]);
    expect(result.references.sources.map((s) => s.name)).toEqual(['images', 'bodies']);
    // partitions and limits came from the backend: 9 partitions, 500 a page
    expect(storage.partitions).toHaveLength(9);
    expect(result.listing.assets).toBe(4);
  });

  it('plan only: the estimate, no listing, no findings', async () => {
    const reader = await openDatabase(db.url, { statementTimeoutSeconds: 30 });
    const result = await detect({ config, scope: buildScope({ all: true }, new Date(), CLOUDINARY_PARTITIONS, 'cloudinary'), storage, reader, log: silentLogger, version: 'test', plan: 'only' });
    expect(result.complete).toBe(false);
    expect(result.plan?.total).toBeGreaterThan(0);
    expect(result.listing.assets).toBe(0);
    expect(result.missing).toEqual([]);
  });

  it('--days with --prefix: an older asset under the prefix that a row names is looked up, never reported missing', async () => {
    const old = await CloudinaryEmulator.start({ cloudName: 'lib-cloud' });
    const refs = await sqlite.start();
    const backend = await openStorage(config, { CLOUDINARY_URL: old.cloudinaryUrl });
    try {
      old.addAsset({ public_id: 'a/old', created_at: '2020-01-01T00:00:00Z' });
      old.addAsset({ public_id: 'a/new' });
      await refs.exec(`CREATE TABLE posts (id INTEGER PRIMARY KEY, image TEXT, body TEXT)`);
      await refs.exec(`INSERT INTO posts VALUES (1, 'a/old', NULL), (2, 'a/new', NULL), (3, 'a/gone', NULL)`);
      const reader = await openDatabase(refs.url, { statementTimeoutSeconds: 30 });
      const scope = buildScope({ days: '7', prefix: 'a/' }, new Date(), CLOUDINARY_PARTITIONS, 'cloudinary');
      const result = await detect({ config, scope, storage: backend, reader, log: silentLogger, version: 'test' });
      expect(result.complete).toBe(true);
      expect([...result.orphans]).toEqual([]);
      expect([...result.missing].map((m) => m.publicId)).toEqual(['a/gone']);
    } finally {
      backend.close();
      await old.stop();
      await refs.close();
    }
  });
});
