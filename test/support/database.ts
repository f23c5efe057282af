/**
 * A real PostgreSQL for tests: the server named by TEST_DATABASE_URL (CI), with a fresh database
 * per fixture, or else an embedded Postgres (PGlite) served over its socket server so that `pg`
 * (and the spawned CLI) connect to it like any other server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { mysqlUnavailable, startMysql } from './mysql.js';

export interface TestDatabase {
  kind: 'server' | 'pglite' | 'sqlite' | 'mysql';
  /** Connection string for the CLI (DATABASE_URL). */
  url: string;
  exec(sql: string): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

export async function startDatabase(): Promise<TestDatabase> {
  const server = process.env.TEST_DATABASE_URL;
  return server ? onServer(server) : onPglite();
}

async function onServer(adminUrl: string): Promise<TestDatabase> {
  const name = `asset_audit_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    kind: 'server',
    url: url.toString(),
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async (sql, params) => (await client.query(sql, params)).rows,
    close: async () => {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

async function onPglite(): Promise<TestDatabase> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  const address = (server as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    kind: 'pglite',
    url: `postgres://postgres:pglite-test-password@127.0.0.1:${address.port}/postgres`,
    exec: async (sql) => {
      await db.exec(sql);
    },
    query: async <T,>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows,
    close: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/** An SQLite file in WAL mode (as a Django app in production runs it), with a writable connection of its own. */
export async function startSqlite(): Promise<TestDatabase> {
  const { default: Database } = await import('better-sqlite3');
  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-sqlite-'));
  const file = path.join(dir, 'db.sqlite3');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  return {
    kind: 'sqlite',
    url: `sqlite://${file}`,
    exec: async (sql) => {
      db.exec(sql);
    },
    query: async <T,>(sql: string, params: unknown[] = []) => {
      const stmt = db.prepare(sql);
      return (stmt.reader ? stmt.all(...params) : (stmt.run(...params), [])) as T[];
    },
    close: async () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The databases the end-to-end detect/delete tests run on; each entry starts a fresh one. */
export const TEST_DATABASES: Array<{ name: string; start: () => Promise<TestDatabase> }> = [
  { name: 'postgres', start: startDatabase },
  { name: 'sqlite', start: startSqlite },
  // MariaDB where a server answers (always in CI); test/support/mysql.ts says so when it skips
  ...(mysqlUnavailable ? [] : [{ name: 'mariadb', start: startMysql }]),
];
