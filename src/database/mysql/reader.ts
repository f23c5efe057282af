/** The MySQL/MariaDB reader: one read-only session (session.ts) behind the ReferenceReader seam. */
import type { SourceConfig } from '../../config/schema.js';
import { AuditError } from '../../errors.js';
import { backQuote, noRefColumn, wrapped, type SqlDialect } from '../sql.js';
import type { Isolated, OpenOptions, ReadOnlyState, ReferenceReader } from '../types.js';
import { mysqlCatalog } from './catalog.js';
import type { MysqlTarget } from './config.js';
import { errorCode, isTimeout, mysqlError } from './errors.js';
import { openSession, run } from './session.js';
import { streamRows } from './stream.js';

export const MYSQL_SQL: SqlDialect = { quote: backQuote, backslashEscapes: true };

/**
 * The session default, read through whichever name this server knows: MySQL 8 dropped
 * tx_read_only, MariaDB before 11.1 has only that one.
 */
const READ_ONLY_VARIABLES = ['transaction_read_only', 'tx_read_only'];

export async function openMysql(target: MysqlTarget, options: OpenOptions): Promise<ReferenceReader> {
  const session = await openSession(target, options.statementTimeoutSeconds);
  const { conn } = session;
  const dialect = MYSQL_SQL;
  const fail = (err: unknown, source?: string): AuditError => (err instanceof AuditError ? err : mysqlError(target, err, source));
  // every source runs as a derived table: only a SELECT fits there (no CALL, no SELECT … INTO OUTFILE)
  const query = async <R>(source: SourceConfig, select: string, tail = ''): Promise<{ rows: R[]; fields: string[] }> => {
    const sql = wrapped(source, dialect, select, tail);
    try {
      return await run<R>(conn, sql);
    } catch (err) {
      throw fail(err, source.name);
    }
  };

  return {
    dialect: 'mysql',
    label: target.label,
    capabilities: { arrays: false, tableSample: false },
    sql: dialect,
    catalog: mysqlCatalog(conn, dialect, session.flavour === 'mariadb'),

    async probe(source: SourceConfig): Promise<string[]> {
      const names = (await query(source, '*', 'LIMIT 0')).fields;
      if (!names.includes('ref')) throw noRefColumn(source, names);
      return names;
    },

    async *stream(source: SourceConfig) {
      const sql = wrapped(source, dialect);
      try {
        yield* streamRows(conn, sql, session.lost);
      } catch (err) {
        throw fail(err, source.name);
      }
    },

    async count(source: SourceConfig): Promise<number> {
      const rows = (await query<{ n: string | number }>(source, 'COUNT(*) AS n')).rows;
      return Number(rows[0]?.n ?? 0);
    },

    // a failed statement does not end a MySQL transaction, so no savepoint is needed; a lost
    // connection is a runtime failure, not the caller's
    async isolate<T>(fn: () => Promise<T>): Promise<Isolated<T>> {
      try {
        return { ok: true, value: await fn() };
      } catch (err) {
        const gone = session.lost();
        if (gone) throw fail(gone);
        if (err instanceof AuditError) {
          if (err.kind === 'database' && (err.cause as { fatal?: boolean } | undefined)?.fatal) throw err;
          return { ok: false, error: isTimeout(err.cause) ? 'timed out (raise --timeout)' : err.message, cause: err };
        }
        if ((err as { fatal?: boolean }).fatal) throw fail(err);
        return { ok: false, error: isTimeout(err) ? 'timed out (raise --timeout)' : ((err as Error).message ?? String(err)), cause: err };
      }
    },

    async readOnlyState(): Promise<ReadOnlyState> {
      for (const name of READ_ONLY_VARIABLES) {
        try {
          const row = (await run<{ ro: string | number }>(conn, `SELECT @@session.${name} AS ro`)).rows[0];
          const on = Number(row?.ro) === 1;
          return {
            readOnly: on,
            detail: on
              ? `READ ONLY transaction with a consistent snapshot, session default read-only (${session.version})`
              : `session is NOT read-only (${name} = ${String(row?.ro)})`,
          };
        } catch (err) {
          if (errorCode(err) !== 'ER_UNKNOWN_SYSTEM_VARIABLE') throw fail(err);
        }
      }
      return { readOnly: false, detail: 'this server reports no transaction_read_only or tx_read_only variable' };
    },

    error: (err: unknown, source?: string) => fail(err, source),

    close: () => session.close(),
  };
}
