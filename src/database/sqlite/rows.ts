/**
 * Rows are read with 64-bit integers intact (BigInt) and handed on as numbers while they are exact,
 * as strings beyond 2^53 (as pg gives int8): an id in a report is never rounded.
 */
import type { SourceRow } from '../types.js';

export function plainRow(row: Record<string, unknown>): SourceRow {
  for (const key in row) {
    const v = row[key];
    if (typeof v === 'bigint') row[key] = v >= Number.MIN_SAFE_INTEGER && v <= Number.MAX_SAFE_INTEGER ? Number(v) : v.toString();
  }
  return row;
}
