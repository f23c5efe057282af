/**
 * One connection, read-only twice over: the session default is READ ONLY (so even a COMMIT smuggled
 * past us would leave the next transaction read-only) and it holds one
 * `START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT` at REPEATABLE READ, so every source sees
 * the same InnoDB snapshot. mysql2 runs one statement per query (multipleStatements stays off) and
 * LOAD DATA LOCAL is switched off at the protocol level.
 */
import mysql from 'mysql2';
import { sslOption, type MysqlTarget } from './config.js';
import { mysqlError } from './errors.js';

export type Flavour = 'mysql' | 'mariadb';

export interface Session {
  conn: mysql.Connection;
  flavour: Flavour;
  version: string;
  /** The connection's fatal error once it is gone (dropped, killed, timed out). */
  lost(): Error | undefined;
  close(): Promise<void>;
}

export interface Result<R> {
  rows: R[];
  fields: string[];
}

/** One statement; rows as objects, JSON as text, dates as the server writes them. */
export function run<R = Record<string, unknown>>(conn: mysql.Connection, sql: string, values: unknown[] = []): Promise<Result<R>> {
  return new Promise((resolve, reject) => {
    conn.query({ sql, values }, (err, rows, fields) => {
      if (err) reject(err);
      else resolve({ rows: (Array.isArray(rows) ? rows : []) as R[], fields: (fields ?? []).map((f) => f.name) });
    });
  });
}

/** Seconds the server may wait on a paused stream or an idle reader before dropping us. */
const NET_WRITE_TIMEOUT = 3_600;
const WAIT_TIMEOUT = 28_800;

export const CONNECT_TIMEOUT_MS = 15_000;

export async function openSession(target: MysqlTarget, statementTimeoutSeconds: number): Promise<Session> {
  const conn = await connect(target);
  let lost: Error | undefined;
  // an idle connection dropped by the server must not crash the process; the next statement reports it
  conn.on('error', (err: Error) => {
    lost ??= err;
  });
  try {
    const version = String((await run<{ v: string }>(conn, 'SELECT VERSION() AS v')).rows[0]?.v ?? '');
    const flavour: Flavour = /mariadb/i.test(version) ? 'mariadb' : 'mysql';
    const timeout =
      flavour === 'mariadb'
        ? `max_statement_time = ${Math.max(0, statementTimeoutSeconds)}`
        : `max_execution_time = ${Math.max(0, Math.floor(statementTimeoutSeconds * 1000))}`;
    await run(conn, `SET SESSION ${timeout}, net_write_timeout = ${NET_WRITE_TIMEOUT}, wait_timeout = GREATEST(@@session.wait_timeout, ${WAIT_TIMEOUT})`);
    await run(conn, 'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await run(conn, 'SET SESSION TRANSACTION READ ONLY');
    await run(conn, 'START TRANSACTION READ ONLY, WITH CONSISTENT SNAPSHOT');
    let closed = false;
    return {
      conn,
      flavour,
      version,
      lost: () => lost,
      async close() {
        if (closed) return;
        closed = true;
        if (lost) {
          conn.destroy();
          return;
        }
        await run(conn, 'ROLLBACK').catch(() => undefined);
        await new Promise<void>((resolve) => conn.end(() => resolve()));
      },
    };
  } catch (err) {
    conn.destroy();
    throw mysqlError(target, err);
  }
}

function attempt(target: MysqlTarget, ssl: ReturnType<typeof sslOption>): Promise<mysql.Connection> {
  return new Promise((resolve, reject) => {
    const conn = mysql.createConnection({
      host: target.host,
      port: target.port,
      ...(target.socketPath ? { socketPath: target.socketPath } : {}),
      user: target.user,
      password: target.password,
      ...(target.database ? { database: target.database } : {}),
      ...(ssl !== undefined ? { ssl } : {}),
      connectTimeout: CONNECT_TIMEOUT_MS,
      multipleStatements: false,
      flags: ['-LOCAL_FILES', '-MULTI_STATEMENTS'],
      charset: 'utf8mb4',
      // user data reaches the report unaltered: JSON, dates, big integers and decimals stay text
      jsonStrings: true,
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      // a server that vanishes without closing the socket is noticed by TCP keepalive, not never
      enableKeepAlive: true,
      keepAliveInitialDelay: 30_000,
    });
    const fail = (err: Error) => {
      conn.destroy();
      reject(err);
    };
    conn.once('error', fail);
    conn.connect((err) => {
      conn.off('error', fail);
      if (err) fail(err);
      else resolve(conn);
    });
  });
}

async function connect(target: MysqlTarget): Promise<mysql.Connection> {
  try {
    return await attempt(target, sslOption(target));
  } catch (err) {
    if (target.tls === 'prefer' && (err as { code?: string }).code === 'HANDSHAKE_NO_SSL_SUPPORT') {
      try {
        return await attempt(target, undefined);
      } catch (err2) {
        throw mysqlError(target, err2);
      }
    }
    throw mysqlError(target, err);
  }
}
