/**
 * Bounded, read-only samples of candidate columns. Per table, one counting pass (over a
 * TABLESAMPLE of big tables) tells how many rows mention Cloudinary in each column; then each
 * column gives its first non-empty values (public_ids look like any other string, so only their
 * values can tell) and, where the pass saw hints, values that mention Cloudinary — so a reference
 * in one row out of many thousands is still seen. Each statement runs under a savepoint: a
 * timeout or a permission error costs that column, not the run.
 */
import type pg from 'pg';
import type { CandidateColumn } from './catalog.js';

/** Values read per column and per kind of sample: enough to see a pattern, cheap on any table. */
export const SAMPLE_VALUES = 200;
/** Above this many (estimated) rows the counting pass reads a TABLESAMPLE of about this many rows. */
export const FULL_SCAN_ROWS = 1_000_000;

/** Text that marks a possible reference: a delivery host, a `RT/TYPE/` path, a public_id key. */
const BASE_HINTS = [
  'cloudinary\\.com',
  'cloudinary-a\\.akamaihd\\.net',
  'd3jpl91pxevbkh\\.cloudfront\\.net',
  '(image|video|raw)\\\\?/(upload|private|authenticated)\\\\?/',
  'public_?id',
];

export function hintPattern(hosts: string[] = []): string {
  const extra = hosts.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return [...BASE_HINTS, ...extra].join('|');
}

export interface SampledValue {
  /** As `pg` returns it (string, parsed JSON, array), i.e. as detect would read it. */
  value: unknown;
  /** The value cast to text in SQL, to compare with what a query source returns. */
  text: string;
}

export interface ColumnSample {
  column: CandidateColumn;
  /** Rows the counting pass read (all, or a TABLESAMPLE of a big table). */
  rowsScanned?: number;
  /** Percentage of the table the counting pass read, when it was sampled. */
  sampledPercent?: number;
  nonNull?: number;
  /** Rows whose value mentions Cloudinary (a host, `image/upload/`, `public_id`). */
  hinted?: number;
  values: SampledValue[];
  /** Why part of the sample is missing (timeout, permission…). */
  problems: string[];
}

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;
export const tableSql = (c: { schema: string; table: string }): string => `${quote(c.schema)}.${quote(c.table)}`;

/** Runs `fn` under a savepoint so that its failure leaves the read-only transaction usable. */
export async function guarded<T>(client: pg.Client, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  await client.query('SAVEPOINT asset_audit_init');
  try {
    const value = await fn();
    await client.query('RELEASE SAVEPOINT asset_audit_init');
    return { ok: true, value };
  } catch (err) {
    // if even the rollback fails, the connection is gone: that is a runtime failure, not a column's
    await client.query('ROLLBACK TO SAVEPOINT asset_audit_init');
    const e = err as { code?: string; message?: string };
    return { ok: false, error: e.code === '57014' ? 'timed out (raise --timeout)' : (e.message ?? String(err)) };
  }
}

export interface SampleOptions {
  sampleSize?: number;
  hosts?: string[];
  onTable?: (table: string) => void;
}

/** Samples every column of one table. */
export async function sampleTable(client: pg.Client, columns: CandidateColumn[], options: SampleOptions = {}): Promise<ColumnSample[]> {
  const size = options.sampleSize ?? SAMPLE_VALUES;
  const first = columns[0];
  if (!first) return [];
  const table = tableSql(first);
  const samples: ColumnSample[] = columns.map((column) => ({ column, values: [], problems: [] }));
  const readable = samples.filter((s) => s.column.readable);
  for (const s of samples) if (!s.column.readable) s.problems.push('not readable by this database role (no SELECT privilege)');
  if (readable.length === 0) return samples;
  const pattern = hintPattern(options.hosts);

  const big = first.estimatedRows > FULL_SCAN_ROWS;
  const percent = big ? Math.max(0.01, Math.min(100, (FULL_SCAN_ROWS / first.estimatedRows) * 100)) : undefined;
  const from = percent === undefined ? table : `${table} TABLESAMPLE SYSTEM (${percent.toFixed(4)})`;
  const counts = readable.flatMap((s, i) => [`count(${quote(s.column.column)}) AS n${i}`, `count(*) FILTER (WHERE ${quote(s.column.column)}::text ~* $1) AS h${i}`]);
  const pass = await guarded(client, async () => (await client.query(`SELECT count(*) AS total, ${counts.join(', ')} FROM ${from}`, [pattern])).rows[0] as Record<string, string>);
  if (pass.ok) {
    readable.forEach((s, i) => {
      s.rowsScanned = Number(pass.value.total);
      if (percent !== undefined) s.sampledPercent = percent;
      s.nonNull = Number(pass.value[`n${i}`]);
      s.hinted = Number(pass.value[`h${i}`]);
    });
  } else {
    for (const s of readable) s.problems.push(`counting pass over ${first.schema}.${first.table}: ${pass.error}`);
  }

  for (const s of readable) {
    const col = quote(s.column.column);
    const seen = new Set<string>();
    const add = (rows: Array<{ v: unknown; t: string }>) => {
      for (const r of rows) {
        if (seen.has(r.t)) continue;
        seen.add(r.t);
        s.values.push({ value: r.v, text: r.t });
      }
    };
    if (s.nonNull !== 0) {
      const plain = await guarded(client, async () =>
        (await client.query<{ v: unknown; t: string }>(`SELECT ${col} AS v, ${col}::text AS t FROM ${table} WHERE ${col} IS NOT NULL AND btrim(${col}::text) NOT IN ('', '""', '[]', '{}', 'null') LIMIT $1`, [size])).rows,
      );
      if (plain.ok) add(plain.value);
      else s.problems.push(`sample of ${s.column.column}: ${plain.error}`);
    }
    // hinted rows: only where the counting pass saw some, or could not run
    if (s.hinted === undefined || s.hinted > 0) {
      const hinted = await guarded(client, async () =>
        (await client.query<{ v: unknown; t: string }>(`SELECT ${col} AS v, ${col}::text AS t FROM ${table} WHERE ${col}::text ~* $1 LIMIT $2`, [pattern, size])).rows,
      );
      if (hinted.ok) add(hinted.value);
      else s.problems.push(`sample of ${s.column.column} mentioning Cloudinary: ${hinted.error}`);
    }
  }
  return samples;
}

/** Groups columns by table, in catalog order. */
export function byTable(columns: CandidateColumn[]): CandidateColumn[][] {
  const groups = new Map<number, CandidateColumn[]>();
  for (const c of columns) {
    const list = groups.get(c.relid) ?? [];
    list.push(c);
    groups.set(c.relid, list);
  }
  return [...groups.values()];
}
