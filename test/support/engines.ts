/**
 * The databases every reader test runs against, one entry per engine: PostgreSQL (the server named
 * by TEST_DATABASE_URL, else PGlite) and SQLite (a WAL file) always; more engines add one entry.
 * Each entry says how to write its dialect's fixtures, so the shared cases stay engine-neutral.
 */
import { startDatabase, startSqlite } from './database.js';
import { startMysql, mysqlUnavailable } from './mysql.js';
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


const digits = '(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)';

/** MariaDB (or MySQL) at TEST_MYSQL_URL / 127.0.0.1:3306, a scratch database per file; skipped, saying why, when none answers. */
export const mysql: EngineUnderTest = {
  name: 'mariadb',
  async start() {
    const db = await startMysql();
    return {
      url: db.url,
      exec: (sql) => db.exec(sql),
      query: (sql) => db.query(sql),
      close: db.close,
      concurrentWriters: true,
      async cutting(bytes) {
        const proxy = await cuttingProxy(Number(new URL(db.url).port || 3306), bytes);
        const url = new URL(db.url);
        url.port = String(proxy.port);
        return { url: url.toString(), close: proxy.close };
      },
    };
  },
  types: { text: 'TEXT', json: 'JSON', int: 'INT' },
  // a cross join of digit tables: MariaDB caps recursive CTEs at 1,000 iterations and has no generate_series
  series: (table, n, pad) => {
    const places = Math.max(1, Math.ceil(Math.log10(n + 1)));
    const tables = Array.from({ length: places }, (_, i) => `${digits} AS p${i}`).join(', ');
    const number = Array.from({ length: places }, (_, i) => `p${i}.d * ${10 ** i}`).join(' + ');
    return `INSERT INTO ${table} (id, ref) SELECT g, CONCAT('big/', g, '/', REPEAT('x', ${pad})) FROM (SELECT ${number} + 1 AS g FROM ${tables}) AS s WHERE g <= ${n}`;
  },
  json: (value) => lit(JSON.stringify(value)),
  writeAttempts: [
    'DELETE FROM items RETURNING ref',
    'SELECT ref FROM items FOR UPDATE',
    "SELECT ref FROM items INTO OUTFILE '/tmp/asset-audit-contract-outfile'",
    'SELECT ref FROM items) AS s, (SELECT title FROM items WHERE id IN (SELECT id FROM items FOR UPDATE)',
  ],
};

/** Every engine the reader suites run; MariaDB only where a server answers (always in CI). */
export const ENGINES: EngineUnderTest[] = [postgres, sqlite, ...(mysqlUnavailable ? [] : [mysql])];

/** Engines left out here, and why: the suites show them as skipped, by name. */
export const SKIPPED_ENGINES: Array<{ name: string; reason: string }> = mysqlUnavailable ? [{ name: mysql.name, reason: `${mysqlUnavailable}; start MariaDB or set TEST_MYSQL_URL` }] : [];

