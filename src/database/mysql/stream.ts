/**
 * A source's rows as mysql2 reads them off the wire, with backpressure: when CURSOR_BATCH rows wait
 * unread the socket is paused, and it resumes once the reader has taken most of them, so a source
 * of any size streams in bounded memory. MySQL has no server-side cursor for a text query: the
 * server pushes the whole result and blocks on a full socket (the session raises net_write_timeout
 * so a slow reader is not cut off).
 *
 * A streamed query has no callback, so mysql2 reports a dropped connection only on the connection:
 * the stream listens there too and ends with that error instead of waiting forever. A reader that
 * stops early leaves the rest of the result to be drained (discarded), so the connection stays
 * usable for the next source.
 */
import type mysql from 'mysql2';
import { CURSOR_BATCH } from '../sql.js';
import type { SourceRow } from '../types.js';

/** Resume once the reader has taken all but this many of the buffered rows. */
const LOW_WATER = Math.floor(CURSOR_BATCH / 4);

export async function* streamRows(conn: mysql.Connection, sql: string, lost: () => Error | undefined): AsyncGenerator<SourceRow> {
  const gone = lost();
  if (gone) throw gone;
  let queue: SourceRow[] = [];
  let head = 0;
  let done = false;
  let failure: Error | undefined;
  let paused = false;
  let discard = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onLost = (err: Error): void => {
    failure ??= err;
    notify();
  };
  const query = conn.query(sql);
  query.on('result', (row: unknown) => {
    if (discard) return;
    queue.push(row as SourceRow);
    if (!paused && queue.length - head >= CURSOR_BATCH) {
      paused = true;
      conn.pause();
    }
    notify();
  });
  query.on('error', onLost);
  query.on('end', () => {
    done = true;
    notify();
  });
  conn.on('error', onLost);
  try {
    for (;;) {
      if (head < queue.length) {
        const row = queue[head++]!;
        if (head === queue.length) {
          queue = [];
          head = 0;
        }
        if (paused && queue.length - head <= LOW_WATER) {
          paused = false;
          conn.resume();
        }
        yield row;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    conn.off('error', onLost);
    if (!done && !failure) {
      discard = true;
      queue = [];
      if (paused) conn.resume();
    }
  }
}
