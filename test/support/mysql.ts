/**
 * A real MariaDB (or MySQL) for tests: the server named by TEST_MYSQL_URL, by default the local
 * mysql://root@127.0.0.1:3306/test, with a scratch database per test file. When no server answers,
 * the tests that need one are skipped and say why; when TEST_MYSQL_URL was set explicitly (CI sets
 * it) an unreachable server fails the run instead, so a broken CI database cannot pass as a skip.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { describe } from 'vitest';

export const MYSQL_ADMIN_URL = process.env.TEST_MYSQL_URL || 'mysql://root@127.0.0.1:3306/test';
const explicit = Boolean(process.env.TEST_MYSQL_URL);

export interface TestMysql {
  kind: 'mysql';
  /** Connection string of the scratch database, for DATABASE_URL. */
  url: string;
  database: string;
  exec(sql: string, params?: unknown[]): Promise<void>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Drops the scratch database. */
  close(): Promise<void>;
}

const safeLabel = (url: string): string => {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 3306}`;
};

async function connectAdmin(): Promise<mysql.Connection> {
  const u = new URL(MYSQL_ADMIN_URL);
  return mysql.createConnection({
    host: u.hostname,
    port: Number(u.port || 3306),
    user: decodeURIComponent(u.username) || 'root',
    password: decodeURIComponent(u.password),
    connectTimeout: 5_000,
  });
}

/** Why MariaDB tests cannot run here, or undefined when a server answers. Probed once per file. */
export const mysqlUnavailable: string | undefined = await (async () => {
  try {
    const c = await connectAdmin();
    await c.end();
    return undefined;
  } catch (err) {
    const reason = `no MariaDB/MySQL at ${safeLabel(MYSQL_ADMIN_URL)} (${(err as { code?: string }).code ?? (err as Error).message})`;
    if (explicit) throw new Error(`TEST_MYSQL_URL is set but ${reason}`);
    return reason;
  }
})();

/**
 * `describe` for tests that need MariaDB: skipped, loudly and by name, when none is reachable.
 */
export function describeMysql(name: string, fn: () => void): void {
  if (mysqlUnavailable) {
    const why = `${mysqlUnavailable}; start MariaDB or set TEST_MYSQL_URL`;
    process.stderr.write(`SKIPPED "${name}": ${why}\n`);
    describe.skip(`${name} [SKIPPED: ${why}]`, fn);
  } else {
    describe(name, fn);
  }
}

/** A fresh, empty database on the test server; `close` drops it. */
export async function startMysql(): Promise<TestMysql> {
  const database = `asset_audit_${randomBytes(6).toString('hex')}`;
  const admin = await connectAdmin();
  await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4`);
  const url = new URL(MYSQL_ADMIN_URL);
  url.pathname = `/${database}`;
  const client = await mysql.createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
    multipleStatements: true,
    jsonStrings: true,
    dateStrings: true,
  });
  return {
    kind: 'mysql',
    url: url.toString(),
    database,
    exec: async (sql, params) => {
      await client.query(sql, params);
    },
    query: async <T,>(sql: string, params?: unknown[]) => {
      const [rows] = await client.query(sql, params);
      return rows as T[];
    },
    close: async () => {
      await client.end().catch(() => undefined);
      await admin.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
      await admin.end().catch(() => undefined);
    },
  };
}
