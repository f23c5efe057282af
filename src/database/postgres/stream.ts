/** A source's rows through a server-side cursor, with arrays of any element type parsed. */
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import { parse as parseArray } from 'postgres-array';
import type { SourceConfig } from '../../config/schema.js';
import { CURSOR_BATCH, wrapped, type SqlDialect } from '../sql.js';
import type { SourceRow } from '../types.js';
import { run } from './session.js';

const pgTypes = pg.types;

/**
 * pg parses arrays of built-in types, but an array of a domain or an extension type (citext[])
 * arrives as the literal `{a,b}`: such a `ref` gets the array parser, so each element is a value.
 */
async function refArrayParser(client: pg.Client, source: SourceConfig, dialect: SqlDialect): Promise<pg.CustomTypesConfig | undefined> {
  const probe = await run(client, wrapped(source, dialect, '*', 'LIMIT 0'));
  const oid = probe.fields.find((f) => f.name === 'ref')?.dataTypeID;
  if (oid === undefined) return undefined;
  const { rows } = await run<{ category: string }>(client, 'SELECT typcategory AS category FROM pg_type WHERE oid = $1', [oid]);
  if (rows[0]?.category !== 'A') return undefined;
  const builtin = pgTypes.getTypeParser(oid, 'text');
  if (builtin('{x}') !== '{x}') return undefined;
  return {
    getTypeParser: ((id: number, format?: string) =>
      id === oid ? (value: string) => parseArray(value) : pgTypes.getTypeParser(id, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
  };
}

/**
 * Rows of one source through a server-side cursor (a cursor is the extended protocol: one
 * statement). pg-query-stream never settles when the connection drops mid-stream (its destroy
 * waits for the dead server to close the cursor), so every read also races the client's own
 * error. The race is against a fresh promise per read: racing each read against one long-lived
 * promise would hang a reaction, and with it the row it resolved to, on that promise for every row
 * until the source ends (at a million rows, over half a gigabyte of peak memory).
 */
export async function* streamSource(client: pg.Client, source: SourceConfig, dialect: SqlDialect): AsyncGenerator<SourceRow> {
  const types = await refArrayParser(client, source, dialect);
  const stream = client.query(new QueryStream(wrapped(source, dialect), [], { batchSize: CURSOR_BATCH, highWaterMark: CURSOR_BATCH, ...(types ? { types } : {}) }));
  let lost: Error | undefined;
  let fail: ((err: Error) => void) | undefined;
  const onError = (err: Error) => {
    lost ??= err;
    fail?.(err);
  };
  const onEnd = () => onError(new Error('Connection terminated unexpectedly'));
  client.once('error', onError);
  client.once('end', onEnd);
  const rows = stream[Symbol.asyncIterator]() as AsyncIterator<SourceRow>;
  let broken = false;
  try {
    for (;;) {
      let next: IteratorResult<SourceRow>;
      try {
        if (lost) throw lost;
        next = await new Promise<IteratorResult<SourceRow>>((resolve, reject) => {
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
