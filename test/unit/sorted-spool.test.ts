/**
 * Findings spooled to disk come back exactly as sorting them in memory would give them (ties in
 * insertion order), and a scan whose findings are spooled writes byte-identical reports.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arraySink, orphanOrder } from '../../src/audit/judge.js';
import type { OrphanRow } from '../../src/audit/result.js';
import { parseConfigText } from '../../src/config/load.js';
import type { FileConfig } from '../../src/config/schema.js';
import { buildScope } from '../../src/config/scope.js';
import { CLOUDINARY_PARTITIONS } from '../../src/storage/cloudinary/partitions.js';
import { openDatabase } from '../../src/database/open.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { renderCsv } from '../../src/report/csv.js';
import { renderJson } from '../../src/report/json.js';
import { detect } from '../../src/scan/detect.js';
import { SortedSpool, SpooledRows } from '../../src/scan/sorted-spool.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { openStorage } from '../../src/storage/open.js';
import { sqlite, type EngineFixture } from '../support/engines.js';

const orphan = (publicId: string, type: OrphanRow['type'] = 'upload', bytes = 1): OrphanRow => ({ publicId, resourceType: 'image', type, bytes, format: 'jpg', uploadedAt: '2024-01-01T00:00:00Z', assetId: `id-${bytes}`, url: '' });

describe('SortedSpool', () => {
  it('sorts like a stable in-memory sort, across chunk sizes, ties kept in insertion order', () => {
    // ids from a tiny alphabet (many ties on public_id), a multi-byte one, and the insertion index in bytes
    const id = fc.constantFrom('a', 'b', 'B', 'é', 'e\u0301', 'ß/x', '😀', 'a/b');
    fc.assert(
      fc.property(fc.array(fc.tuple(id, fc.constantFrom('upload', 'private')), { maxLength: 60 }), fc.integer({ min: 1, max: 7 }), (rows, chunk) => {
        const spool = new SortedSpool(orphanOrder, chunk);
        const memory = arraySink(orphanOrder);
        rows.forEach(([p, t], i) => {
          spool.push(orphan(p, t, i));
          memory.push(orphan(p, t, i));
        });
        expect(spool.length).toBe(rows.length);
        expect([...spool.unordered()].map((o) => o.bytes).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
        const noted: number[] = [];
        const sorted = spool.sorted((o) => noted.push(o.bytes));
        const expected = [...memory.sorted()];
        expect([...sorted]).toEqual(expected);
        expect(noted).toEqual(expected.map((o) => o.bytes));
        expect(sorted.length).toBe(rows.length);
        expect(sorted.slice(1, 3)).toEqual(expected.slice(1, 3));
        // a spool that spilled reads from disk, and reads again the same
        if (rows.length > chunk) {
          expect(sorted).toBeInstanceOf(SpooledRows);
          expect([...sorted]).toEqual(expected);
          expect(JSON.stringify({ r: sorted })).toBe(JSON.stringify({ r: expected }));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('reads rows whose multi-byte text straddles the read blocks', () => {
    const spool = new SortedSpool(orphanOrder, 10);
    const rows = Array.from({ length: 3000 }, (_, i) => orphan(`${'é😀'.repeat(i % 37)}/${String(i).padStart(5, '0')}`, 'upload', i));
    rows.forEach((r) => spool.push(r));
    const sorted = [...spool.sorted()];
    expect(sorted).toEqual([...rows].sort(orphanOrder));
  });
});

describe('detect with findings spooled to disk', () => {
  let emu: CloudinaryEmulator;
  let db: EngineFixture;
  let storage: StorageBackend;
  let config: FileConfig;

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'spool-cloud' });
    const rows: string[] = [];
    for (let i = 0; i < 120; i++) {
      // orphans with ties across resource and delivery types, referenced, and references to gone assets
      emu.addAsset({ public_id: `o/${i % 40}`, type: (['upload', 'private', 'authenticated'] as const)[i % 3], resource_type: i % 2 ? 'image' : 'video' });
      emu.addAsset({ public_id: `kept/${i}` });
      rows.push(`(${i * 2}, 'kept/${i}')`, `(${i * 2 + 1}, 'gone/${(i * 7) % 50}')`);
    }
    db = await sqlite.start();
    await db.exec('CREATE TABLE posts (id INTEGER PRIMARY KEY, image TEXT)');
    await db.exec(`INSERT INTO posts VALUES ${rows.join(', ')}`);
    config = parseConfigText(JSON.stringify({ references: [{ name: 'images', table: 'posts', column: 'image', id: 'id' }] }), 'inline.json').config!;
    storage = await openStorage(config, { CLOUDINARY_URL: emu.cloudinaryUrl });
  });

  afterAll(async () => {
    storage?.close();
    await emu?.stop();
    await db?.close();
  });

  const run = async (findingsChunk?: number) => {
    const reader = await openDatabase(db.url, { statementTimeoutSeconds: 30 });
    // a fresh client per run: what the plan knows of the budget depends on the calls made before it
    storage?.close();
    storage = await openStorage(config, { CLOUDINARY_URL: emu.cloudinaryUrl });
    const fixed = new Date('2026-01-01T00:00:00Z');
    return detect({ config, scope: buildScope({ all: true }, fixed, CLOUDINARY_PARTITIONS, 'cloudinary'), storage, reader, log: silentLogger, version: 'test', now: () => fixed, findingsChunk });
  };

  it('writes the same CSV and JSON bytes as a scan that holds its findings in memory', async () => {
    const inMemory = await run();
    const spooled = await run(7);
    expect(Array.isArray(inMemory.orphans)).toBe(true);
    expect(spooled.orphans).toBeInstanceOf(SpooledRows);
    expect(spooled.missing).toBeInstanceOf(SpooledRows);
    expect(spooled.orphans.length).toBeGreaterThan(7);
    expect(spooled.missing.length).toBeGreaterThan(7);
    const strip = (text: string) => text.replace(/"(durationMs|calls|remaining|listCalls)": \d+/g, '"$1": 0');
    expect(renderCsv(spooled)).toBe(renderCsv(inMemory));
    expect(strip(renderJson(spooled))).toBe(strip(renderJson(inMemory)));
  });
});
