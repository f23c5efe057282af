/**
 * The ReferenceReader contract, the same cases for every engine in test/support/engines.ts:
 * probing, streaming as plain rows, NULLs, text and JSON (and arrays where the dialect has them),
 * a 100k-row source in bounded memory, one snapshot, read-only enforced, the catalog `init` uses,
 * and a dropped connection ending a CLI run with exit 3.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/database/open.js';
import type { ReferenceReader } from '../../src/database/types.js';
import { AuditError } from '../../src/errors.js';
import { hintPattern } from '../../src/init/sample.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { ENGINES, SKIPPED_ENGINES, type EngineFixture } from '../support/engines.js';

const ROWS = 100_000;
const PAD = 1_000;
const q = (name: string, query: string) => ({ name, query, extract: 'auto' as const });

describe.each(ENGINES)('ReferenceReader on $name', (engine) => {
  let db: EngineFixture;
  let reader: ReferenceReader | undefined;
  const open = async () => (reader = await openDatabase(db.url, { statementTimeoutSeconds: 60 }));
  const all = async (r: ReferenceReader, source: Parameters<ReferenceReader['stream']>[0]) => {
    const rows: Record<string, unknown>[] = [];
    for await (const row of r.stream(source)) rows.push(row);
    return rows;
  };
  const snapshot = async () => JSON.stringify(await db.query('SELECT id, title, ref FROM items ORDER BY id'));

  beforeAll(async () => {
    db = await engine.start();
    const t = engine.types;
    await db.exec(`CREATE TABLE items (id ${t.int} PRIMARY KEY, title ${t.text}, ref ${t.text}, doc ${t.json}${t.textArray ? `, tags ${t.textArray}` : ''})`);
    const rows: Array<[number, string | null, string | null, unknown, string[] | null]> = [
      [1, 'First', 'https://res.cloudinary.com/acme/image/upload/v1/a.jpg', { hero: 'image/upload/v1/b.jpg' }, ['c', 'd']],
      [2, null, null, null, null],
      [3, 'Ünïcødé 日本語 "q", \'a\'', 'docs/guide.pdf', [1, 'e'], []],
    ];
    for (const [id, title, ref, doc, tags] of rows) {
      const values = [String(id), title === null ? 'NULL' : `'${title.replace(/'/g, "''")}'`, ref === null ? 'NULL' : `'${ref}'`, doc === null ? 'NULL' : engine.json(doc)];
      if (t.textArray) values.push(tags === null ? 'NULL' : engine.array!(tags));
      await db.exec(`INSERT INTO items VALUES (${values.join(', ')})`);
    }
    await db.exec(`CREATE TABLE big (id ${t.int} PRIMARY KEY, ref ${t.text})`);
    await db.exec(engine.series('big', ROWS, PAD));
    if (engine.name.startsWith('postgres')) await db.exec('CREATE SEQUENCE items_seq');
  });

  afterAll(async () => {
    await reader?.close();
    await db?.close();
  });

  it('probes a source: its column names, and a config error without `ref`', async () => {
    const r = await open();
    try {
      expect(await r.probe({ name: 'items', table: 'items', column: 'ref', id: 'id', title: 'title', extract: 'auto' })).toEqual(['id', 'ref', 'title']);
      const err = await r.probe(q('noref', 'SELECT id, title FROM items')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuditError);
      expect(err).toMatchObject({ kind: 'config', message: expect.stringMatching(/returns no column named "ref"/) });
      expect(r.label).not.toMatch(/password|pglite-test-password/);
    } finally {
      await r.close();
    }
  });

  it('streams rows as plain objects: NULLs as null, text unaltered, JSON and arrays readable', async () => {
    const r = await open();
    try {
      const rows = await all(r, q('items', `SELECT id, title, ref, doc${engine.types.textArray ? ', tags' : ''} FROM items ORDER BY id`));
      expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3]);
      expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
      expect(rows[1]).toMatchObject({ title: null, ref: null, doc: null });
      expect(rows[2]!.title).toBe('Ünïcødé 日本語 "q", \'a\'');
      const doc = rows[0]!.doc;
      expect(typeof doc === 'string' ? JSON.parse(doc) : doc).toEqual({ hero: 'image/upload/v1/b.jpg' });
      if (r.capabilities.arrays) expect(rows[0]!.tags).toEqual(['c', 'd']);
      expect(await r.count(q('items', 'SELECT ref FROM items'))).toBe(3);
    } finally {
      await r.close();
    }
  });

  it(`streams ${ROWS.toLocaleString('en-US')} rows of ${PAD} bytes in bounded memory`, async () => {
    const r = await open();
    try {
      const base = process.memoryUsage().heapUsed;
      let peak = 0;
      let n = 0;
      let lastId = 0;
      for await (const row of r.stream({ name: 'big', table: 'big', column: 'ref', id: 'id', extract: 'value' })) {
        n++;
        lastId = Math.max(lastId, Number(row.id));
        if (n % 5_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
      }
      expect(n).toBe(ROWS);
      expect(lastId).toBe(ROWS);
      // the rows together are over 100 MB; holding them would show
      expect(peak).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await r.close();
    }
  });

  it('reads one snapshot: rows written after it opened are not seen (and the writer is not blocked)', async (ctx) => {
    if (!db.concurrentWriters) ctx.skip();
    const r = await open();
    try {
      await db.exec(`INSERT INTO items (id, title, ref) VALUES (99, 'late', 'late/one')`);
      expect(await r.count(q('items', 'SELECT ref FROM items'))).toBe(3);
    } finally {
      await r.close();
      await db.exec('DELETE FROM items WHERE id = 99');
    }
  });

  it('is read-only: it says so, refuses stacked statements before running them, and every write attempt fails and changes nothing', async () => {
    const before = await snapshot();
    const r = await open();
    try {
      expect((await r.readOnlyState()).readOnly).toBe(true);
      const stacked = await r.probe(q('stacked', 'SELECT ref FROM items; DELETE FROM items')).catch((e: unknown) => e);
      expect(stacked).toMatchObject({ kind: 'config', message: expect.stringMatching(/more than one SQL statement/) });
      for (const query of engine.writeAttempts) {
        const source = q('attack', query);
        const outcome = await r.isolate(async () => {
          await r.probe(source);
          return all(r, source);
        });
        expect(outcome.ok, query).toBe(false);
      }
    } finally {
      await r.close();
    }
    expect(await snapshot()).toBe(before);
  });

  it('describes its catalog for init: columns, keys, counting pass, samples, tables, coverage', async () => {
    const r = await open();
    try {
      const cols = (await r.catalog.columns()).filter((c) => c.table === 'items');
      const byName = new Map(cols.map((c) => [c.column, c]));
      expect(byName.get('ref')).toMatchObject({ kind: 'string', primaryKey: 'id', titleColumn: 'title', defaultSchema: true, readable: true });
      expect(byName.get('doc')!.kind).toBe('json');
      if (r.capabilities.arrays) expect(byName.get('tags')!.kind).toBe('array');
      expect(byName.has('id')).toBe(false);
      const ref = byName.get('ref')!;
      const pass = await r.catalog.countPass([ref, byName.get('doc')!], hintPattern(), 1_000_000);
      expect(pass).toMatchObject({ rowsScanned: 3, nonNull: [2, 2], hinted: [1, 1] });
      expect((await r.catalog.sample(ref, 10)).map((v) => v.text).sort()).toEqual(['docs/guide.pdf', 'https://res.cloudinary.com/acme/image/upload/v1/a.jpg']);
      expect((await r.catalog.sample(ref, 10, hintPattern())).map((v) => v.text)).toEqual(['https://res.cloudinary.com/acme/image/upload/v1/a.jpg']);
      expect(await r.catalog.resolveTable(undefined, 'items')).toBe(ref.tableKey);
      expect(await r.catalog.resolveTable(undefined, 'no_such_table')).toBeUndefined();
      expect(await r.catalog.returnedTexts(q('items', 'SELECT ref FROM items'), ['docs/guide.pdf', 'not/there'])).toEqual(['docs/guide.pdf']);
      // a failing statement costs that statement, not the snapshot
      expect((await r.isolate(() => r.count(q('bad', 'SELECT nope AS ref FROM items')))).ok).toBe(false);
      expect(await r.count(q('items', 'SELECT ref FROM items'))).toBe(3);
    } finally {
      await r.close();
    }
  });

  it('a connection dropped mid-stream ends a detect run with exit 3 and no report', async (ctx) => {
    if (!db.cutting) ctx.skip();
    const emu = await CloudinaryEmulator.start({ cloudName: 'contract-cloud', apiKey: '5', apiSecret: 'contract-secret' });
    const proxy = await db.cutting!(50_000);
    try {
      const dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'big', table: 'big', column: 'ref', id: 'id', extract: 'value' }] } });
      const run = await runCli(['detect', '--all', '-o', 'r.csv'], { cwd: dir, env: { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: proxy.url } });
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/(reference source "big"|database).*(terminated|closed|ECONNRESET|lost)/i);
    } finally {
      await proxy.close();
      await emu.stop();
    }
  });
});

for (const skipped of SKIPPED_ENGINES) {
  process.stderr.write(`SKIPPED "ReferenceReader on ${skipped.name}": ${skipped.reason}\n`);
  describe.skip(`ReferenceReader on ${skipped.name} [SKIPPED: ${skipped.reason}]`, () => {
    it('every contract case', () => undefined);
  });
}
