/**
 * A mysql:// or mariadb:// DATABASE_URL. We parse it ourselves rather than hand it to mysql2, which
 * would turn any query parameter into a driver option (`?multipleStatements=true` included).
 *
 * TLS, in the forms hosted MySQL hands out: `ssl=true` (encrypt, verify the certificate),
 * `ssl={"rejectUnauthorized":false}` (encrypt, do not verify), `ssl=false`, `ssl=Amazon RDS`
 * (mysql2's bundled RDS CA, for JawsDB and other RDS-hosted add-ons); `sslmode=`/`ssl-mode=`
 * (libpq and mysql-client words: disable(d), prefer(red), require(d), verify-ca/verify_ca,
 * verify-full/verify_identity); JDBC's `useSSL=true` with `verifyServerCertificate=false`; and
 * Prisma's `sslaccept=strict|accept_invalid_certs`. With none of them, a local host connects in
 * plain text and a remote one "prefers" TLS (encrypts when the server offers it, unverified),
 * as the Postgres reader does. ClearDB's `reconnect=true` and Rails' `encoding`/`pool` are ignored.
 */
import { registerSecret } from '../../config/redact.js';
import { usageError } from '../../errors.js';
import { decodeUrlPart } from '../url.js';
import { tlsCheck, type TlsCheck } from '../tls.js';

export type TlsMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full' | 'profile';

export interface MysqlTarget {
  host: string;
  port: number;
  socketPath?: string;
  user: string;
  password: string;
  /** Empty when the URL names no database: then every non-system schema is the catalog. */
  database: string;
  tls: TlsMode;
  /** mysql2's named SSL profile (`Amazon RDS`), with tls `profile`. */
  tlsProfile?: string;
  /** host:port/db, never credentials. */
  label: string;
}

export const MYSQL_EXAMPLE = 'mysql://USER:PASSWORD@HOST:3306/DBNAME';
const LOCAL = new Set(['localhost', '127.0.0.1', '::1', '']);
const PROFILES = ['Amazon RDS'];

/** Parameters that change nothing for a reader, passed by Heroku add-ons and framework URLs. */
const IGNORED = new Set(['reconnect', 'charset', 'encoding', 'pool', 'timezone', 'connect_timeout', 'connecttimeout', 'serverversion']);

const SSLMODE_WORDS: Record<string, TlsMode> = {
  disable: 'disable',
  disabled: 'disable',
  prefer: 'prefer',
  preferred: 'prefer',
  allow: 'prefer',
  require: 'require',
  required: 'require',
  'verify-ca': 'verify-ca',
  verify_ca: 'verify-ca',
  'verify-full': 'verify-full',
  verify_identity: 'verify-full',
};

const truthy = (v: string): boolean | undefined => (/^(true|1|yes|on)$/i.test(v) ? true : /^(false|0|no|off)$/i.test(v) ? false : undefined);

function sslParam(value: string): { tls: TlsMode; profile?: string } {
  const flag = truthy(value);
  if (flag !== undefined) return { tls: flag ? 'verify-full' : 'disable' };
  if (PROFILES.includes(value)) return { tls: 'profile', profile: value };
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const keys = Object.keys(parsed);
    const reject = (parsed as { rejectUnauthorized?: unknown }).rejectUnauthorized;
    if (keys.every((k) => k === 'rejectUnauthorized') && (reject === undefined || typeof reject === 'boolean')) {
      return { tls: reject === false ? 'require' : 'verify-full' };
    }
  }
  throw usageError(
    `DATABASE_URL: ssl=${value} is not understood. Use ssl=true (verify the certificate), ssl={"rejectUnauthorized":false} (encrypt without verifying), ` +
      `ssl=false, ssl=Amazon RDS, or sslmode=disable|prefer|require|verify-ca|verify-full.`,
  );
}

/** The TLS the URL asks for, from whichever of the accepted spellings it uses (at most one). */
function tlsFrom(params: URLSearchParams, local: boolean): { tls: TlsMode; profile?: string } {
  const asked: Array<{ name: string; tls: TlsMode; profile?: string }> = [];
  for (const [rawName, value] of params) {
    const name = rawName.toLowerCase();
    if (name === 'ssl') asked.push({ name: rawName, ...sslParam(value) });
    else if (name === 'sslmode' || name === 'ssl-mode' || name === 'ssl_mode') {
      const tls = SSLMODE_WORDS[value.toLowerCase()];
      if (!tls) throw usageError(`DATABASE_URL: ${rawName}=${value} is not one of ${Object.keys(SSLMODE_WORDS).join(', ')}.`);
      asked.push({ name: rawName, tls });
    } else if (name === 'usessl' || name === 'requiressl') {
      const on = truthy(value);
      if (on === undefined) throw usageError(`DATABASE_URL: ${rawName}=${value} must be true or false.`);
      const verify = truthy(params.get('verifyServerCertificate') ?? 'true') !== false;
      asked.push({ name: rawName, tls: on ? (verify ? 'verify-full' : 'require') : 'disable' });
    } else if (name === 'sslaccept') {
      const v = value.toLowerCase();
      if (v !== 'strict' && v !== 'accept_invalid_certs') throw usageError(`DATABASE_URL: sslaccept=${value} must be strict or accept_invalid_certs.`);
      asked.push({ name: rawName, tls: v === 'strict' ? 'verify-full' : 'require' });
    }
  }
  if (asked.length > 1) {
    throw usageError(`DATABASE_URL sets TLS twice (${asked.map((a) => a.name).join(' and ')}); keep one of them.`);
  }
  const [one] = asked;
  if (one) return one.profile ? { tls: one.tls, profile: one.profile } : { tls: one.tls };
  return { tls: local ? 'disable' : 'prefer' };
}

const TLS_PARAMS = new Set(['ssl', 'sslmode', 'ssl-mode', 'ssl_mode', 'usessl', 'requiressl', 'verifyservercertificate', 'sslaccept']);

export function parseMysqlUrl(value: string): MysqlTarget {
  const how = `Set DATABASE_URL to ${MYSQL_EXAMPLE} (or mariadb://…).`;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`DATABASE_URL is not a valid URL. ${how}`);
  }
  if (!/^(mysql|mariadb):$/i.test(url.protocol)) throw usageError(`DATABASE_URL must start with mysql:// or mariadb:// (got ${url.protocol}//). ${how}`);
  registerSecret(url.password);
  const password = decodeUrlPart(url.password, 'password');
  registerSecret(password);
  const user = decodeUrlPart(url.username, 'user name');
  const database = decodeUrlPart(url.pathname.replace(/^\//, ''), 'database name');
  if (database.includes('/')) throw usageError(`DATABASE_URL: "${database}" is not a database name (it holds a "/"). ${how}`);
  for (const name of url.searchParams.keys()) {
    const lower = name.toLowerCase();
    if (!TLS_PARAMS.has(lower) && !IGNORED.has(lower) && lower !== 'socket') {
      throw usageError(
        `DATABASE_URL: the parameter "${name}" is not supported for MySQL/MariaDB. ` +
          'Supported: ssl, sslmode (or ssl-mode), useSSL with verifyServerCertificate, sslaccept, socket; ignored: reconnect, charset, encoding, pool, timezone.',
      );
    }
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const socketPath = url.searchParams.get('socket') ?? undefined;
  const port = url.port ? Number(url.port) : 3306;
  const local = socketPath !== undefined || LOCAL.has(host);
  const { tls, profile } = tlsFrom(url.searchParams, local);
  const where = socketPath ? `socket ${socketPath}` : `${host}:${port}`;
  return {
    host: host || 'localhost',
    port,
    ...(socketPath ? { socketPath } : {}),
    user,
    password,
    database,
    tls,
    ...(profile ? { tlsProfile: profile } : {}),
    label: `${where}/${database}`,
  };
}

/** mysql2's `ssl` option for a TLS mode; `prefer` tries this first and falls back to plain text. */
export function sslOption(target: MysqlTarget): undefined | string | TlsCheck {
  return target.tls === 'profile' ? target.tlsProfile : tlsCheck(target.tls);
}

export const tlsSummary = (target: MysqlTarget): string =>
  target.tls === 'profile' ? `TLS with the "${target.tlsProfile}" CA bundle` : target.tls === 'disable' ? 'no TLS' : `TLS ${target.tls}${target.tls === 'prefer' ? ' (encrypt when the server offers it, unverified)' : ''}`;
