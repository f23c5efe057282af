/** A configured source as SQL, checked before it runs, then streamed through a cursor. */
import type pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { SourceConfig } from '../config/schema.js';
import { usageError } from '../cli/exit.js';

/** Rows fetched per round trip: large enough to stream fast, small enough to bound memory. */
export const CURSOR_BATCH = 2_000;

export const OPTIONAL_COLUMNS = ['id', 'title', 'author', 'status', 'created_at', 'url', 'resource_type'] as const;

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

export function sourceSql(source: SourceConfig): string {
  if ('query' in source) return source.query.trim().replace(/;\s*$/, '');
  const table = source.schema ? `${quote(source.schema)}.${quote(source.table)}` : quote(source.table);
  const cols = [`${quote(source.column)} AS ref`];
  if (source.id) cols.unshift(`${quote(source.id)} AS id`);
  if (source.title) cols.push(`${quote(source.title)} AS title`);
  return `SELECT ${cols.join(', ')} FROM ${table} WHERE ${quote(source.column)} IS NOT NULL`;
}

/** Runs the source with LIMIT 0 to learn its columns: a missing `ref` is a config error, not an empty result. */
export async function sourceColumns(client: pg.Client, source: SourceConfig): Promise<string[]> {
  const result = await client.query(`SELECT * FROM (${sourceSql(source)}) AS asset_audit_source LIMIT 0`);
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
 * every read also races the client's own error.
 */
export async function* streamSource(client: pg.Client, source: SourceConfig): AsyncGenerator<Record<string, unknown>> {
  const stream = client.query(new QueryStream(sourceSql(source), [], { batchSize: CURSOR_BATCH, highWaterMark: CURSOR_BATCH }));
  let fail: (err: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => (fail = reject));
  lost.catch(() => undefined);
  const onError = (err: Error) => fail(err);
  const onEnd = () => fail(new Error('Connection terminated unexpectedly'));
  client.once('error', onError);
  client.once('end', onEnd);
  const rows = stream[Symbol.asyncIterator]() as AsyncIterator<Record<string, unknown>>;
  let broken = false;
  try {
    for (;;) {
      const next = await Promise.race([rows.next(), lost]).catch((err: unknown) => {
        broken = true;
        throw err;
      });
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
