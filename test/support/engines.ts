/**
 * The databases every reader test runs against, one entry per engine: PostgreSQL (the server named
 * by TEST_DATABASE_URL, else PGlite) and SQLite (a WAL file) always; more engines add one entry.
 * Each entry says how to write its dialect's fixtures, so the shared cases stay engine-neutral.
 */
import { startDatabase, startSqlite } from './database.js';
import { cuttingProxy } from './net-faults.js';

export interface EngineFixture {
  /** DATABASE_URL for the reader and the CLI. */
  url: string;
  /** Runs setup SQL of this dialect on a writable connection of its own. */
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  close(): Promise<void>;
  /** The same database behind a proxy that cuts the connection after this many bytes (networked engines). */
  cutting?(bytes: number): Promise<{ url: string; close(): Promise<void> }>;
  /** Another connection can write while a reader holds its snapshot (not PGlite's single session). */
  concurrentWriters: boolean;
}

export interface EngineUnderTest {
  name: string;
  start(): Promise<EngineFixture>;
  /** Column types of this dialect. `textArray` only where the engine has arrays. */
  types: { text: string; json: string; int: string; textArray?: string };
  /** Inserts `n` rows (id 1…n, ref `big/<id>/` + `pad` x's) into `table (id, ref)`. */
  series(table: string, n: number, pad: number): string;
  /** A JSON literal of this dialect. */
  json(value: unknown): string;
  /** Array literal of strings (engines with arrays). */
  array?(values: string[]): string;
  /** Sources that try to write without stacking statements; each must fail and change nothing. */
  writeAttempts: string[];
}

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;

export const postgres: EngineUnderTest = {
  name: process.env.TEST_DATABASE_URL ? 'postgres' : 'postgres (PGlite)',
  async start() {
    const db = await startDatabase();
    return {
      url: db.url,
      exec: db.exec,
      query: db.query,
      close: db.close,
      concurrentWriters: db.kind === 'server',
      async cutting(bytes) {
        const proxy = await cuttingProxy(Number(new URL(db.url).port), bytes);
        const url = new URL(db.url);
        url.port = String(proxy.port);
        return { url: url.toString(), close: proxy.close };
      },
    };
  },
  types: { text: 'text', json: 'jsonb', int: 'int', textArray: 'text[]' },
  series: (table, n, pad) => `INSERT INTO ${table} (id, ref) SELECT g, 'big/' || g || '/' || repeat('x', ${pad}) FROM generate_series(1, ${n}) g`,
  json: (value) => `${lit(JSON.stringify(value))}::jsonb`,
  array: (values) => `ARRAY[${values.map(lit).join(', ')}]::text[]`,
  writeAttempts: [
    'WITH gone AS (DELETE FROM items RETURNING ref) SELECT ref FROM gone',
    "SELECT ref FROM items WHERE set_config('transaction_read_only', 'off', false) = 'off'",
    "SELECT nextval('items_seq')::text AS ref",
    'DELETE FROM items RETURNING ref',
  ],
};

export const sqlite: EngineUnderTest = {
  name: 'sqlite',
  async start() {
    const db = await startSqlite();
    return { url: db.url, exec: db.exec, query: (sql) => db.query(sql), close: db.close, concurrentWriters: true };
  },
  types: { text: 'TEXT', json: 'JSON', int: 'INTEGER' },
  series: (table, n, pad) =>
    `WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < ${n}) INSERT INTO ${table} (id, ref) SELECT g, 'big/' || g || '/' || substr(hex(zeroblob(${Math.ceil(pad / 2)})), 1, ${pad}) FROM s`,
  json: (value) => lit(JSON.stringify(value)),
  writeAttempts: [
    'DELETE FROM items RETURNING ref',
    'WITH gone AS (DELETE FROM items RETURNING ref) SELECT ref FROM gone',
    "SELECT ref FROM items WHERE (SELECT count(*) FROM pragma_query_only) >= 0 AND load_extension('x') IS NULL",
  ],
};

/** Every engine the reader suites run; the MySQL/MariaDB entry joins here. */
export const ENGINES: EngineUnderTest[] = [postgres, sqlite];
