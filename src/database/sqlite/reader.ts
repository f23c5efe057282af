/**
 * The SQLite reader (better-sqlite3, loaded only when a sqlite: URL is used). The file is opened
 * read-only (and must exist), `query_only` is set as well, and one deferred read transaction,
 * started at once, holds the snapshot every source sees. In WAL mode the application keeps writing
 * meanwhile; in rollback-journal mode writers wait until the run ends (busy timeout).
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { SourceConfig } from '../../config/schema.js';
import { AuditError, databaseFailure } from '../../errors.js';
import { doubleQuote, noRefColumn, wrapped, type SqlDialect } from '../sql.js';
import type { Isolated, OpenOptions, ReadOnlyState, ReferenceReader, SourceRow } from '../types.js';
import { sqliteCatalog } from './catalog.js';
import { plainRow } from './rows.js';

export const SQLITE_SQL: SqlDialect = { quote: doubleQuote };

/** Rows between two yields to the event loop: iteration is synchronous, the listing must go on. */
const YIELD_EVERY = 1_000;

export async function openSqlite(file: string, options: OpenOptions): Promise<ReferenceReader> {
  const label = file;
  let db: Database.Database;
  try {
    const { default: Driver } = await import('better-sqlite3');
    db = new Driver(file, { readonly: true, fileMustExist: true, timeout: options.statementTimeoutSeconds * 1000 });
    db.pragma('query_only = ON');
    const patterns = new Map<string, RegExp>();
    // `X REGEXP Y` calls regexp(Y, X); init's hint patterns are case-insensitive
    db.function('regexp', { deterministic: true }, (pattern: unknown, value: unknown) => {
      if (value === null || value === undefined) return 0;
      let re = patterns.get(String(pattern));
      if (!re) patterns.set(String(pattern), (re = new RegExp(String(pattern), 'i')));
      return re.test(String(value)) ? 1 : 0;
    });
    db.exec('BEGIN DEFERRED');
    // the snapshot starts with the first read, so take it now: every source sees this moment
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (err) {
    throw sqliteError(label, err);
  }
  const dialect = SQLITE_SQL;
  let closed = false;
  return {
    dialect: 'sqlite',
    label,
    capabilities: { arrays: false, tableSample: false },
    sql: dialect,
    catalog: sqliteCatalog(db, dialect),

    async probe(source: SourceConfig): Promise<string[]> {
      // prepare() compiles exactly one statement and refuses a second one
      const names = db.prepare(wrapped(source, dialect, '*', 'LIMIT 0')).columns().map((c) => c.name);
      if (!names.includes('ref')) throw noRefColumn(source, names);
      return names;
    },

    async *stream(source: SourceConfig): AsyncGenerator<SourceRow> {
      const stmt = db.prepare(wrapped(source, dialect)).safeIntegers(true);
      let n = 0;
      for (const row of stmt.iterate() as IterableIterator<Record<string, unknown>>) {
        yield plainRow(row);
        if (++n % YIELD_EVERY === 0) await yieldToLoop();
      }
    },

    async count(source: SourceConfig): Promise<number> {
      const row = db.prepare(wrapped(source, dialect, 'count(*) AS n')).get() as { n: number };
      return Number(row.n);
    },

    // an SQLite error ends the statement, not the transaction: nothing to undo
    async isolate<T>(fn: () => Promise<T>): Promise<Isolated<T>> {
      try {
        return { ok: true, value: await fn() };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err), cause: err };
      }
    },

    async readOnlyState(): Promise<ReadOnlyState> {
      const queryOnly = Number(db.pragma('query_only', { simple: true })) === 1;
      const readOnly = db.readonly && queryOnly;
      const journal = String(db.pragma('journal_mode', { simple: true }));
      return {
        readOnly,
        detail: readOnly
          ? `file opened read-only, query_only on, one read transaction (journal mode ${journal}${journal === 'wal' ? ': the application can write meanwhile' : ': writers wait while a run reads'})`
          : 'the file is NOT opened read-only',
      };
    },

    error: (err: unknown, source?: string) => (err instanceof AuditError ? err : sqliteError(label, err, source)),

    async close() {
      if (closed) return;
      closed = true;
      try {
        if (db.inTransaction) db.exec('ROLLBACK');
      } finally {
        db.close();
      }
    },
  };
}

/** An SQLite failure as one line that names what to check. */
export function sqliteError(label: string, err: unknown, source?: string): AuditError {
  const e = err as { code?: string; message?: string };
  const where = source ? `reference source "${source}"` : `database ${label}`;
  const msg = e?.message ?? String(err);
  let hint = '';
  if (e?.code === 'ERR_MODULE_NOT_FOUND' || /better[-_]sqlite3|bindings file|NODE_MODULE_VERSION/i.test(msg)) {
    hint = 'The SQLite driver (better-sqlite3) is not installed or not built for this Node: run `npm rebuild better-sqlite3`.';
  } else if (e?.code === 'SQLITE_CANTOPEN' || /does not exist|unable to open/i.test(msg)) {
    hint = 'Check the path in DATABASE_URL: sqlite:///ABSOLUTE/PATH/db.sqlite3 for an absolute path, sqlite:RELATIVE/db.sqlite3 for one relative to the working directory.';
  } else if (e?.code === 'SQLITE_NOTADB') {
    hint = 'That file is not an SQLite database: check DATABASE_URL.';
  } else if (e?.code === 'SQLITE_BUSY') {
    hint = 'The database stayed locked by a writer: run again, or switch the application to WAL mode (PRAGMA journal_mode=WAL).';
  } else if (e?.code === 'SQLITE_READONLY' || /more than one statement|does not return data|readonly/i.test(msg)) {
    hint = 'asset-audit only reads; a source is one SELECT.';
  } else if (e?.code === 'SQLITE_ERROR') {
    hint = 'Fix the SQL of this source in the config file.';
  }
  return databaseFailure(`${where}: ${msg}${hint ? `. ${hint}` : ''}`, err);
}
