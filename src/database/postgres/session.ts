/**
 * One connection, read-only twice over: the session is opened with default_transaction_read_only
 * (a startup option, so even a COMMIT smuggled past us would leave the next transaction read-only)
 * and holds one READ ONLY, REPEATABLE READ transaction, so every source sees the same snapshot.
 * Every statement goes through the extended protocol, which runs exactly one statement per query.
 */
import pg from 'pg';
import { databaseFailure, type AuditError } from '../../errors.js';
import { sslOption, type PostgresTarget } from './config.js';

export interface Session {
  client: pg.Client;
  /** Whether the server took the read-only startup option (a pooler may refuse it). */
  sessionReadOnly: boolean;
  close(): Promise<void>;
}

/** One statement through the extended protocol (never the simple protocol, which runs scripts). */
export function run<R extends pg.QueryResultRow = Record<string, unknown>>(client: pg.Client, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  return client.query<R>({ text, values, queryMode: 'extended' } as pg.QueryConfig);
}

const READ_ONLY_OPTION = '-c default_transaction_read_only=on';

export async function openSession(target: PostgresTarget, statementTimeoutSeconds: number): Promise<Session> {
  let sessionReadOnly = true;
  let client: pg.Client;
  try {
    client = await connect(target, READ_ONLY_OPTION);
  } catch (err) {
    // PgBouncer and some poolers refuse startup options; the READ ONLY transaction still holds
    if (!/unsupported startup parameter/i.test(String((err as Error).message))) throw err;
    sessionReadOnly = false;
    client = await connect(target, undefined);
  }
  try {
    await run(client, 'BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await run(client, `SET LOCAL statement_timeout = ${Math.floor(statementTimeoutSeconds * 1000)}`);
    await run(client, 'SET LOCAL idle_in_transaction_session_timeout = 0');
    // REPEATABLE READ takes its snapshot at the first query, not at BEGIN: take it now
    await run(client, 'SELECT 1');
  } catch (err) {
    await client.end().catch(() => undefined);
    throw postgresError(target, err);
  }
  let closed = false;
  return {
    client,
    sessionReadOnly,
    async close() {
      if (closed) return;
      closed = true;
      await run(client, 'ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

async function connect(target: PostgresTarget, options: string | undefined): Promise<pg.Client> {
  const attempt = async (ssl: pg.ClientConfig['ssl']) => {
    const client = new pg.Client({
      connectionString: target.connectionString,
      ssl,
      connectionTimeoutMillis: 15_000,
      application_name: 'asset-audit',
      ...(options ? { options } : {}),
    });
    // an idle connection dropped by the server must not crash the process; queries report it
    client.on('error', () => undefined);
    await client.connect();
    return client;
  };
  try {
    return await attempt(sslOption(target.sslMode));
  } catch (err) {
    if (target.sslMode === 'prefer' && /does not support SSL/i.test(String((err as Error).message))) {
      try {
        return await attempt(false);
      } catch (err2) {
        throw postgresError(target, err2);
      }
    }
    if (/unsupported startup parameter/i.test(String((err as Error).message))) throw err;
    throw postgresError(target, err);
  }
}

/** A Postgres failure as one line that names what to check. */
export function postgresError(target: { label: string }, err: unknown, source?: string): AuditError {
  const e = err as { code?: string; message?: string };
  const where = source ? `reference source "${source}"` : `database ${target.label}`;
  const msg = e?.message ?? String(err);
  let hint = '';
  switch (e?.code) {
    case 'ECONNREFUSED':
      hint = 'Nothing is listening there: check the host and port in DATABASE_URL and that the server is running.';
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      hint = 'The host name does not resolve: check DATABASE_URL.';
      break;
    case '28P01':
    case '28000':
      hint = 'Authentication failed: check the user and password in DATABASE_URL.';
      break;
    case '3D000':
      hint = 'That database does not exist: check the database name in DATABASE_URL.';
      break;
    case '57014':
      hint = 'The statement timed out: raise database.statementTimeoutSeconds in the config or make the query cheaper.';
      break;
    case '42P01':
    case '42703':
    case '42601':
      hint = 'Fix the SQL of this source in the config file.';
      break;
    case '25006':
      hint = 'asset-audit only reads; the query tried to write.';
      break;
  }
  if (!hint && /timeout|terminated|Connection terminated/i.test(msg)) {
    hint = 'The connection was lost or timed out; check network access to the database and try again.';
  }
  return databaseFailure(`${where}: ${msg}${hint ? `. ${hint}` : ''}`, err);
}
