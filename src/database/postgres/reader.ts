/** The Postgres reader: one read-only session (session.ts) behind the ReferenceReader seam. */
import type { SourceConfig } from '../../config/schema.js';
import { AuditError } from '../../errors.js';
import { doubleQuote, noRefColumn, wrapped, type SqlDialect } from '../sql.js';
import type { Isolated, OpenOptions, ReadOnlyState, ReferenceReader } from '../types.js';
import { postgresCatalog } from './catalog.js';
import type { PostgresTarget } from './config.js';
import { openSession, postgresError, run } from './session.js';
import { streamSource } from './stream.js';

export const POSTGRES_SQL: SqlDialect = { quote: doubleQuote, dollarQuotes: true };

export async function openPostgres(target: PostgresTarget, options: OpenOptions): Promise<ReferenceReader> {
  const session = await openSession(target, options.statementTimeoutSeconds);
  const { client } = session;
  const dialect = POSTGRES_SQL;
  let savepoints = 0;
  return {
    dialect: 'postgres',
    label: target.label,
    capabilities: { arrays: true, tableSample: true },
    sql: dialect,
    catalog: postgresCatalog(client, dialect),

    async probe(source: SourceConfig): Promise<string[]> {
      const names = (await run(client, wrapped(source, dialect, '*', 'LIMIT 0'))).fields.map((f) => f.name);
      if (!names.includes('ref')) throw noRefColumn(source, names);
      return names;
    },

    stream: (source: SourceConfig) => streamSource(client, source, dialect),

    async count(source: SourceConfig): Promise<number> {
      const rows = (await run<{ n: string }>(client, wrapped(source, dialect, 'count(*) AS n'))).rows;
      return Number(rows[0]?.n ?? 0);
    },

    // a failed statement aborts the transaction; a savepoint keeps what follows runnable
    async isolate<T>(fn: () => Promise<T>): Promise<Isolated<T>> {
      const name = `asset_audit_${++savepoints}`;
      await run(client, `SAVEPOINT ${name}`);
      try {
        const value = await fn();
        await run(client, `RELEASE SAVEPOINT ${name}`);
        return { ok: true, value };
      } catch (err) {
        // if even the rollback fails, the connection is gone: that is a runtime failure, not the caller's
        await run(client, `ROLLBACK TO SAVEPOINT ${name}`).catch((lost: unknown) => {
          throw postgresError(target, lost);
        });
        if (err instanceof AuditError) return { ok: false, error: err.message, cause: err };
        const e = err as { code?: string; message?: string };
        return { ok: false, error: e.code === '57014' ? 'timed out (raise --timeout)' : (e.message ?? String(err)), cause: err };
      }
    },

    async readOnlyState(): Promise<ReadOnlyState> {
      const row = (await run<{ tx: string; session: string }>(client, "SELECT current_setting('transaction_read_only') AS tx, current_setting('default_transaction_read_only') AS session")).rows[0];
      const tx = row?.tx === 'on';
      const sessionRo = row?.session === 'on';
      const detail = tx
        ? `read-only transaction in force${sessionRo ? ', session default read-only' : session.sessionReadOnly ? '' : ' (the server or pooler refused the read-only session option)'}`
        : 'read-only transaction NOT in force';
      return { readOnly: tx, detail };
    },

    error: (err: unknown, source?: string) => (err instanceof AuditError ? err : postgresError(target, err, source)),

    close: () => session.close(),
  };
}
