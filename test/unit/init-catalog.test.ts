/** Column discovery and sampling against a real Postgres (PGlite, or TEST_DATABASE_URL). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/database/open.js';
import type { ReferenceReader } from '../../src/database/types.js';
import { qualifiedName } from '../../src/init/catalog.js';
import { hintPattern, sampleTable } from '../../src/init/sample.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let reader: ReferenceReader;
const candidateColumns = () => reader.catalog.columns();

beforeAll(async () => {
  db = await startDatabase();
  await db.exec(`
    CREATE SCHEMA app;
    CREATE DOMAIN url_text AS text;
    CREATE TABLE app.things (id uuid PRIMARY KEY, name text, picture url_text, code char(4), meta jsonb, doc json, tags varchar(20)[], counts int[], n int, at timestamptz);
    CREATE TABLE pairs (a int, b int, note text, PRIMARY KEY (a, b));
    CREATE TABLE events (id int, at date, body text) PARTITION BY RANGE (at);
    CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE VIEW thing_names AS SELECT name FROM app.things;
    CREATE TABLE big (id int PRIMARY KEY, body text, other text);
    INSERT INTO big SELECT g, 'row ' || g, CASE WHEN g % 2 = 0 THEN '' ELSE NULL END FROM generate_series(1, 1000) g;
    UPDATE big SET body = 'see https://res.cloudinary.com/acme/image/upload/v1/deep.jpg' WHERE id = 777;
  `);
  reader = await openDatabase(db.url, { statementTimeoutSeconds: 60 });
});

afterAll(async () => {
  await reader?.close();
  await db?.close();
});

describe('candidateColumns', () => {
  it('lists string, json and string-array columns of user tables only, with primary and title columns', async () => {
    const cols = await candidateColumns();
    const names = cols.map(qualifiedName);
    expect(names).toEqual(expect.arrayContaining([
      'app.things.name', 'app.things.picture', 'app.things.code', 'app.things.meta', 'app.things.doc', 'app.things.tags',
      'public.pairs.note', 'public.events.body', 'public.big.body', 'public.big.other',
    ]));
    for (const absent of ['app.things.counts', 'app.things.n', 'app.things.at', 'public.events_2024.body', 'public.thing_names.name']) expect(names).not.toContain(absent);
    expect(names.some((n) => n.startsWith('pg_catalog.') || n.startsWith('information_schema.'))).toBe(false);
    const byName = new Map(cols.map((c) => [qualifiedName(c), c]));
    expect(byName.get('app.things.picture')).toMatchObject({ kind: 'string', primaryKey: 'id', titleColumn: 'name', readable: true });
    expect(byName.get('app.things.meta')!.kind).toBe('json');
    expect(byName.get('app.things.tags')).toMatchObject({ kind: 'array', type: 'character varying(20)[]' });
    expect(byName.get('app.things.name')!.titleColumn).toBeUndefined();
    expect(byName.get('public.pairs.note')!.primaryKey).toBeUndefined();
  });
});

describe('sampleTable', () => {
  it('reads the first non-empty values and the rows that mention Cloudinary anywhere in the table', async () => {
    const cols = (await candidateColumns()).filter((c) => c.table === 'big');
    const [body, other] = await sampleTable(reader, cols, { sampleSize: 50 });
    expect(body!.rowsScanned).toBe(1000);
    expect(body!.hinted).toBe(1);
    expect(body!.values).toHaveLength(51);
    expect(body!.values.some((v) => String(v.value).includes('deep.jpg'))).toBe(true);
    expect(body!.problems).toEqual([]);
    // only empty strings and NULLs: nothing to read
    expect(other!.values).toEqual([]);
    expect(other!.nonNull).toBe(500);
  });

  it('a failing statement costs its column, not the transaction', async () => {
    const cols = (await candidateColumns()).filter((c) => c.table === 'big');
    const ghost = { ...cols[0]!, column: 'no_such_column' };
    const [broken, body] = await sampleTable(reader, [ghost, cols[0]!], { sampleSize: 5 });
    expect(broken!.problems.length).toBeGreaterThan(0);
    expect(body!.values.length).toBeGreaterThan(0);
    expect(await reader.count({ name: 'ok', query: 'SELECT 1 AS ref', extract: 'auto' })).toBe(1);
  });

  it('the hint pattern is a valid Postgres regex', async () => {
    const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const query = `SELECT 1 AS ref WHERE ${literal('x image\\/upload\\/v1/a.jpg')} ~* ${literal(hintPattern(['cdn.example.org']))}`;
    expect(await reader.count({ name: 'hint', query, extract: 'auto' })).toBe(1);
  });
});
