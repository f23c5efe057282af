/**
 * Connects to the user's database read-only. TLS follows libpq's sslmode (from DATABASE_URL or
 * PGSSLMODE): require/prefer encrypt without checking the CA (Heroku Postgres needs exactly that),
 * verify-ca/verify-full check it, disable does not encrypt. With no sslmode, local hosts connect in
 * plain text and remote hosts behave as "prefer".
 */
import pg from 'pg';
import { databaseFailure, usageError, type AuditError } from '../errors.js';
import { registerSecret } from '../config/redact.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface DatabaseTarget {
  connectionString: string;
  sslMode: SslMode;
  /** host:port/db with no credentials, for messages. */
  label: string;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

export function parseDatabaseUrl(value: string | undefined, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const how = 'Set DATABASE_URL to postgres://USER:PASSWORD@HOST:5432/DBNAME.';
  if (!value || value.trim() === '') throw usageError(`DATABASE_URL is not set. ${how}`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`DATABASE_URL is not a valid URL. ${how}`);
  }
  registerSecret(url.password);
  registerSecret(decodeURIComponent(url.password));
  if (!/^postgres(ql)?:$/.test(url.protocol)) {
    throw usageError(`DATABASE_URL must start with postgres:// or postgresql:// (got ${url.protocol}//). ${how}`);
  }
  const requested = (url.searchParams.get('sslmode') ?? env.PGSSLMODE ?? '').toLowerCase();
  if (requested && !SSL_MODES.includes(requested as SslMode)) {
    throw usageError(`sslmode "${requested}" is not one of ${SSL_MODES.join(', ')}.`);
  }
  url.searchParams.delete('sslmode');
  const host = url.hostname;
  const sslMode: SslMode = (requested as SslMode) || (LOCAL.has(host) || url.searchParams.has('host') ? 'disable' : 'prefer');
  const label = `${host || 'local socket'}${url.port ? `:${url.port}` : ''}${url.pathname}`;
  return { connectionString: url.toString(), sslMode, label };
}

function sslOption(mode: SslMode): pg.ClientConfig['ssl'] {
  switch (mode) {
    case 'disable':
    case 'allow':
      return false;
    case 'prefer':
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}

export interface ReadOnlySession {
  client: pg.Client;
  close(): Promise<void>;
}

/**
 * Opens one connection and a READ ONLY, REPEATABLE READ transaction: every source sees the same
 * snapshot, and nothing this tool runs can write.
 */
export async function openReadOnly(target: DatabaseTarget, statementTimeoutSeconds: number): Promise<ReadOnlySession> {
  const client = await connect(target);
  try {
    await client.query('BEGIN TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(statementTimeoutSeconds * 1000)}`);
    await client.query(`SET LOCAL idle_in_transaction_session_timeout = 0`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw databaseError(target, err);
  }
  let closed = false;
  return {
    client,
    async close() {
      if (closed) return;
      closed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

async function connect(target: DatabaseTarget): Promise<pg.Client> {
  const attempt = async (ssl: pg.ClientConfig['ssl']) => {
    const client = new pg.Client({
      connectionString: target.connectionString,
      ssl,
      connectionTimeoutMillis: 15_000,
      application_name: 'asset-audit',
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
        throw databaseError(target, err2);
      }
    }
    throw databaseError(target, err);
  }
}

/** A database failure as one line that names what to check. */
export function databaseError(target: DatabaseTarget, err: unknown, source?: string): AuditError {
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
