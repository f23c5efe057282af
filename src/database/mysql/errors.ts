/**
 * A MySQL/MariaDB failure as one line that names the server and what to do. Server messages never
 * hold the password ("Access denied for user 'x'@'h' (using password: YES)"), and the URL's
 * password is registered as a secret when it is parsed.
 */
import { databaseFailure, type AuditError } from '../../errors.js';

const HINTS: Record<string, string> = {
  ECONNREFUSED: 'Nothing is listening there: check the host and port in DATABASE_URL and that the server is running.',
  ENOTFOUND: 'The host name does not resolve: check DATABASE_URL.',
  EAI_AGAIN: 'The host name does not resolve: check DATABASE_URL.',
  ETIMEDOUT: 'The server did not answer in time: check the host, the port and that this machine may reach it (firewall, allow-list).',
  ER_ACCESS_DENIED_ERROR: 'Access denied: check the user and password in DATABASE_URL (and that the user may connect from this host).',
  ER_DBACCESS_DENIED_ERROR: "This user may not use that database: GRANT SELECT ON dbname.* TO 'user'@'%'.",
  ER_BAD_DB_ERROR: 'That database does not exist: check the database name in DATABASE_URL.',
  ER_TABLEACCESS_DENIED_ERROR: "This user may not read that table: GRANT SELECT ON dbname.* TO 'user'@'%'.",
  ER_COLUMNACCESS_DENIED_ERROR: "This user may not read that column: GRANT SELECT ON dbname.* TO 'user'@'%'.",
  ER_QUERY_TIMEOUT: 'The statement timed out: raise database.statementTimeoutSeconds in the config or make the query cheaper.',
  ER_STATEMENT_TIMEOUT: 'The statement timed out: raise database.statementTimeoutSeconds in the config or make the query cheaper.',
  ER_NO_SUCH_TABLE: 'Fix the SQL of this source in the config file.',
  ER_BAD_FIELD_ERROR: 'Fix the SQL of this source in the config file.',
  ER_PARSE_ERROR: 'Fix the SQL of this source in the config file (it must be one SELECT).',
  ER_DUP_FIELDNAME: 'A source runs as a derived table, so its column names must be unique: alias the duplicates (… AS other_id).',
  ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION: 'asset-audit only reads; the query tried to write.',
  ER_SECURE_TRANSPORT_REQUIRED: 'The server requires TLS: add ?ssl=true (or ?sslmode=require) to DATABASE_URL.',
  HANDSHAKE_NO_SSL_SUPPORT: 'The server does not offer TLS: remove the ssl/sslmode parameter from DATABASE_URL or use sslmode=prefer.',
  HANDSHAKE_SSL_ERROR: 'The TLS handshake failed: check the ssl/sslmode parameter in DATABASE_URL.',
  PROTOCOL_CONNECTION_LOST: 'The connection was lost; check network access to the database and try again.',
  ECONNRESET: 'The connection was lost; check network access to the database and try again.',
  EPIPE: 'The connection was lost; check network access to the database and try again.',
  PROTOCOL_SEQUENCE_TIMEOUT: 'The connection timed out; check network access to the database and try again.',
  ER_CON_COUNT_ERROR: 'The server has too many connections; try again later.',
  ER_USER_LIMIT_REACHED: 'This user has too many connections open (hosted plans often allow few); try again later.',
};

const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID/;

/** MariaDB's timeout (1969) has no name in mysql2's table; the server's "connection killed" neither. */
const BY_ERRNO: Record<number, string> = { 1969: 'ER_STATEMENT_TIMEOUT', 3159: 'ER_SECURE_TRANSPORT_REQUIRED' };

export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; errno?: number };
  return (e?.errno !== undefined ? BY_ERRNO[e.errno] : undefined) ?? e?.code;
}

export const isTimeout = (err: unknown): boolean => {
  const code = errorCode(err);
  return code === 'ER_QUERY_TIMEOUT' || code === 'ER_STATEMENT_TIMEOUT';
};

export function mysqlError(target: { label: string }, err: unknown, source?: string): AuditError {
  const code = errorCode(err);
  const where = source ? `reference source "${source}" (MySQL/MariaDB ${target.label})` : `database ${target.label}`;
  const msg = (err as Error)?.message || String(err);
  let hint = code ? HINTS[code] : undefined;
  if (!hint && code && CERTIFICATE.test(code)) {
    hint =
      'The server certificate is not trusted: use ssl=Amazon RDS for RDS-hosted databases (JawsDB), or sslmode=require ' +
      '(ssl={"rejectUnauthorized":false}) to encrypt without verifying.';
  }
  if (!hint && (err as { fatal?: boolean })?.fatal) hint = 'The connection was lost; check network access to the database and try again.';
  return databaseFailure(`${where}: ${msg}${hint ? `. ${hint}` : ''}`, err);
}
