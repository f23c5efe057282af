/** A configured source as SQL, checked before it runs, then streamed through a cursor. */
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { parse as parseArray } from 'postgres-array';
import type { SourceConfig } from '../config/schema.js';
import { usageError } from '../errors.js';

const pgTypes = pg.types;

/** Rows fetched per round trip: large enough to stream fast, small enough to bound memory. */
export const CURSOR_BATCH = 2_000;

export const OPTIONAL_COLUMNS = ['id', 'title', 'author', 'status', 'created_at', 'url', 'resource_type'] as const;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

export function sourceSql(source: SourceConfig): string {
  // a trailing semicolon (and comments after it) would end the statement inside our wrappers
  if ('query' in source) return source.query.trim().replace(/;\s*(--[^\n]*\s*)*$/, '');
  const table = source.schema ? `${quote(source.schema)}.${quote(source.table)}` : quote(source.table);
  const cols = [`${quote(source.column)} AS ref`];
  if (source.id) cols.unshift(`${quote(source.id)} AS id`);
  if (source.title) cols.push(`${quote(source.title)} AS title`);
  return `SELECT ${cols.join(', ')} FROM ${table} WHERE ${quote(source.column)} IS NOT NULL`;
}

/** The source with no rows; the newlines keep a trailing `-- comment` from swallowing the wrapper. */
const probeSql = (source: SourceConfig): string => `SELECT * FROM (\n${sourceSql(source)}\n) AS asset_audit_source LIMIT 0`;

/**
 * pg parses arrays of built-in types, but an array of a domain or an extension type (citext[])
 * arrives as the literal `{a,b}`: such a `ref` gets the array parser, so each element is a value.
 */
async function refArrayParser(client: pg.Client, source: SourceConfig): Promise<pg.CustomTypesConfig | undefined> {
  const probe = await client.query(probeSql(source));
  const oid = probe.fields.find((f) => f.name === 'ref')?.dataTypeID;
  if (oid === undefined) return undefined;
  const { rows } = await client.query<{ category: string }>('SELECT typcategory AS category FROM pg_type WHERE oid = $1', [oid]);
  if (rows[0]?.category !== 'A') return undefined;
  const builtin = pgTypes.getTypeParser(oid, 'text');
  if (builtin('{x}') !== '{x}') return undefined;
  return {
    getTypeParser: ((id: number, format?: string) =>
      id === oid ? (value: string) => parseArray(value) : pgTypes.getTypeParser(id, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/** Runs the source with LIMIT 0 to learn its columns: a missing `ref` is a config error, not an empty result. */
export async function sourceColumns(client: pg.Client, source: SourceConfig): Promise<string[]> {
  const result = await client.query(probeSql(source));
  const names = result.fields.map((f) => f.name);
  if (!names.includes('ref')) {
    throw usageError(
      `reference source "${source.name}" returns no column named "ref" (it returns: ${names.join(', ') || 'nothing'}). ` +
        'Alias the column that holds the asset reference: "… AS ref".',
    );
  }
  return names;
}

/**
 * Rows of one source through a server-side cursor. pg-query-stream never settles when the
 * connection drops mid-stream (its destroy waits for the dead server to close the cursor), so
 * every read also races the client's own error. The race is against a fresh promise per read:
 * racing each read against one long-lived promise would hang a reaction, and with it the row it
 * resolved to, on that promise for every row until the source ends (at a million rows, over half
 * a gigabyte of peak memory).
 */
export async function* streamSource(client: pg.Client, source: SourceConfig): AsyncGenerator<Record<string, unknown>> {
  const types = await refArrayParser(client, source);
  const stream = client.query(new QueryStream(sourceSql(source), [], { batchSize: CURSOR_BATCH, highWaterMark: CURSOR_BATCH, ...(types ? { types } : {}) }));
  let lost: Error | undefined;
  let fail: ((err: Error) => void) | undefined;
  const onError = (err: Error) => {
    lost ??= err;
    fail?.(err);
  };
  const onEnd = () => onError(new Error('Connection terminated unexpectedly'));
  client.once('error', onError);
  client.once('end', onEnd);
  const rows = stream[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
  let broken = false;
  try {
    for (;;) {
      let next: IteratorResult<Record<string, unknown>>;
      try {
        if (lost) throw lost;
        next = await new Promise<IteratorResult<Record<string, unknown>>>((resolve, reject) => {
          fail = reject;
          rows.next().then(resolve, reject);
        });
      } catch (err) {
        broken = true;
        throw err;
      } finally {
        fail = undefined;
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    client.off('error', onError);
    client.off('end', onEnd);
    // closing the cursor on a dead connection would never finish
    if (!broken) await rows.return?.();
  }
}
