/**
 * The SQL every engine shares: a source as one SELECT, and the check that it is one statement.
 * Engines differ only in identifier quoting and in which quotes a literal may use; those come in as
 * a `SqlDialect`.
 */
import type { SourceConfig } from '../config/schema.js';
import { configError } from '../errors.js';

export interface SqlDialect {
  /** An identifier, quoted so that any name is taken literally. */
  quote(identifier: string): string;
  /** Postgres `$tag$ … $tag$` literals. */
  dollarQuotes?: boolean;
  /** MySQL `\'` inside a literal, and backquoted identifiers. */
  backslashEscapes?: boolean;
}

export const doubleQuote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
export const backQuote = (identifier: string): string => `\`${identifier.replace(/`/g, '``')}\``;

/**
 * Where the first statement of `sql` ends: the index of its top-level `;`, or -1. Literals, quoted
 * identifiers and comments are skipped, so a `;` inside them does not count.
 */
export function statementEnd(sql: string, dialect: SqlDialect): number {
  let i = 0;
  const n = sql.length;
  const skipQuoted = (q: string, backslash: boolean): void => {
    i++;
    while (i < n) {
      const c = sql[i]!;
      if (backslash && c === '\\') i += 2;
      else if (c === q && sql[i + 1] === q) i += 2;
      else if (c === q) {
        i++;
        return;
      } else i++;
    }
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === ';') return i;
    if (c === "'") skipQuoted("'", Boolean(dialect.backslashEscapes) || /[eE]$/.test(sql.slice(Math.max(0, i - 1), i)));
    else if (c === '"') skipQuoted('"', Boolean(dialect.backslashEscapes));
    else if (c === '`' && dialect.backslashEscapes) skipQuoted('`', false);
    else if (c === '-' && sql[i + 1] === '-') i = lineEnd(sql, i);
    else if (c === '#' && dialect.backslashEscapes) i = lineEnd(sql, i);
    else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '$' && dialect.dollarQuotes) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
      } else i++;
    } else i++;
  }
  return -1;
}

function lineEnd(sql: string, from: number): number {
  const end = sql.indexOf('\n', from);
  return end < 0 ? sql.length : end + 1;
}

/** Only whitespace and comments: what may follow a source query's one `;`. */
const TRAILER = /^\s*((--|#)[^\n]*(\n|$)\s*|\/\*[\s\S]*?\*\/\s*)*$/;

/**
 * A source as one SELECT of this dialect. A `query` keeps its text (one trailing `;` and the
 * comments after it are dropped, as the wrappers around it need); a query of several statements is
 * refused before anything runs: a source reads, it never runs a script.
 */
export function sourceSql(source: SourceConfig, dialect: SqlDialect): string {
  if ('query' in source) {
    const text = source.query.trim();
    const end = statementEnd(text, dialect);
    if (end < 0) return text;
    if (!TRAILER.test(text.slice(end + 1))) {
      throw configError(
        `reference source "${source.name}": the query holds more than one SQL statement (text follows a ";"). ` +
          'A source is one SELECT; remove everything after its end.',
      );
    }
    return text.slice(0, end).trimEnd();
  }
  const q = dialect.quote;
  const table = source.schema ? `${q(source.schema)}.${q(source.table)}` : q(source.table);
  const cols = [`${q(source.column)} AS ref`];
  if (source.id) cols.unshift(`${q(source.id)} AS id`);
  if (source.title) cols.push(`${q(source.title)} AS title`);
  return `SELECT ${cols.join(', ')} FROM ${table} WHERE ${q(source.column)} IS NOT NULL`;
}

/** The source as a subquery; the newlines keep a trailing `-- comment` from swallowing the wrapper. */
export const wrapped = (source: SourceConfig, dialect: SqlDialect, select = '*', tail = ''): string =>
  `SELECT ${select} FROM (\n${sourceSql(source, dialect)}\n) AS asset_audit_source${tail ? ` ${tail}` : ''}`;

/** The config error for a source whose result has no `ref` column. */
export function noRefColumn(source: SourceConfig, names: string[]): Error {
  return configError(
    `reference source "${source.name}" returns no column named "ref" (it returns: ${names.join(', ') || 'nothing'}). ` +
      'Alias the column that holds the asset reference: "… AS ref".',
  );
}

/** Rows fetched per round trip: large enough to stream fast, small enough to bound memory. */
export const CURSOR_BATCH = 2_000;
