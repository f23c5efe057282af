import { createHash } from 'node:crypto';
import type { Direction, Order, SortKey } from './store.js';

/**
 * Cursors carry the last sort key, not an offset, so inserts and deletes between pages shift
 * nothing. `ctx` binds the cursor to the query it came from: the real API rejects a cursor
 * replayed against different parameters, and silently honouring it would hide client bugs.
 */
interface CursorPayload {
  v: 1;
  o: Order;
  d: Direction;
  c: string;
  k: [number, string, string, string];
}

// Only a fingerprint of the query goes into the cursor, keeping cursors short for long search expressions.
const fingerprint = (ctx: string): string => createHash('sha1').update(ctx).digest('hex').slice(0, 12);

export function encodeCursor(order: Order, dir: Direction, ctx: string, k: SortKey): string {
  const payload: CursorPayload = { v: 1, o: order, d: dir, c: fingerprint(ctx), k: [k.ms, k.pid, k.rt, k.type] };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('hex');
}

/** Returns undefined when the cursor is malformed or belongs to a different query. */
export function decodeCursor(cursor: string, order: Order, dir: Direction, ctx: string): SortKey | undefined {
  if (!/^(?:[0-9a-f]{2})+$/.test(cursor)) return undefined;
  let p: unknown;
  try {
    p = JSON.parse(Buffer.from(cursor, 'hex').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof p !== 'object' || p === null) return undefined;
  const c = p as Partial<CursorPayload>;
  if (c.v !== 1 || c.o !== order || c.d !== dir || c.c !== fingerprint(ctx) || !Array.isArray(c.k) || c.k.length !== 4) return undefined;
  const [ms, pid, rt, type] = c.k;
  if (typeof ms !== 'number' || typeof pid !== 'string' || typeof rt !== 'string' || typeof type !== 'string') return undefined;
  return { ms, pid, rt, type };
}
