/**
 * A postgres:// DATABASE_URL. TLS follows libpq's sslmode (from the URL or PGSSLMODE):
 * require/prefer encrypt without checking the CA (Heroku Postgres needs exactly that),
 * verify-ca/verify-full check it, disable does not encrypt. With no sslmode, local hosts connect in
 * plain text and remote hosts behave as "prefer".
 */
import type pg from 'pg';
import { registerSecret } from '../../config/redact.js';
import { usageError } from '../../errors.js';
import { decodeUrlPart } from '../url.js';
import { tlsCheck } from '../tls.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface PostgresTarget {
  connectionString: string;
  sslMode: SslMode;
  /** host:port/db with no credentials, for messages. */
  label: string;
}

const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);
export const POSTGRES_EXAMPLE = 'postgres://USER:PASSWORD@HOST:5432/DBNAME';

export function parsePostgresUrl(value: string, env: NodeJS.ProcessEnv = process.env): PostgresTarget {
  const how = `Set DATABASE_URL to ${POSTGRES_EXAMPLE}.`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`DATABASE_URL is not a valid URL. ${how}`);
  }
  registerSecret(url.password);
  registerSecret(decodeUrlPart(url.password, 'password'));
  decodeUrlPart(url.username, 'user name');
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

export function sslOption(mode: SslMode): pg.ClientConfig['ssl'] {
  return tlsCheck(mode) ?? false;
}
