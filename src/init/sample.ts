/**
 * Bounded, read-only samples of candidate columns. Per table, one counting pass (over a sample
 * of big tables where the engine can take one) tells how many rows mention Cloudinary in each column; then each
 * column gives its first non-empty values (public_ids look like any other string, so only their
 * values can tell) and, where the pass saw hints, values that mention Cloudinary — so a reference
 * in one row out of many thousands is still seen. Each statement runs isolated (a savepoint in
 * Postgres): a timeout or a permission error costs that column, not the run.
 */
import type { ReferenceReader, SampledValue } from '../database/types.js';
import type { CandidateColumn } from './catalog.js';

/** Values read per column and per kind of sample: enough to see a pattern, cheap on any table. */
export const SAMPLE_VALUES = 200;
/** Above this many (estimated) rows the counting pass reads a sample of about this many rows (where the engine can). */
export const FULL_SCAN_ROWS = 1_000_000;

/** Text that marks a possible reference: a delivery host, a `RT/TYPE/` path, a public_id key. */
const BASE_HINTS = [
  'cloudinary\\.com',
  'cloudinary-a\\.akamaihd\\.net',
  'd3jpl91pxevbkh\\.cloudfront\\.net',
  '(image|video|raw)\\\\?/(upload|private|authenticated)\\\\?/',
  'public_?id',
];

/** Cloudinary's hints, or the chosen store's own (`ReferenceGrammar.sampleHints`), and the configured hosts. */
export function hintPattern(hosts: string[] = [], hints?: readonly string[]): string {
  const extra = hosts.map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return [...(hints ?? BASE_HINTS), ...extra].join('|');
}

export type { SampledValue };

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

export interface SampleOptions {
  sampleSize?: number;
  hosts?: string[];
  /** The store's own hint patterns (regular-expression fragments); Cloudinary's by default. */
  hints?: readonly string[];
  onTable?: (table: string) => void;
}

/** Samples every column of one table. */
export async function sampleTable(reader: ReferenceReader, columns: CandidateColumn[], options: SampleOptions = {}): Promise<ColumnSample[]> {
  const size = options.sampleSize ?? SAMPLE_VALUES;
  const first = columns[0];
  if (!first) return [];
  const samples: ColumnSample[] = columns.map((column) => ({ column, values: [], problems: [] }));
  const readable = samples.filter((s) => s.column.readable);
  for (const s of samples) if (!s.column.readable) s.problems.push('not readable by this database role (no SELECT privilege)');
  if (readable.length === 0) return samples;
  const pattern = hintPattern(options.hosts, options.hints);

  const pass = await reader.isolate(() => reader.catalog.countPass(readable.map((s) => s.column), pattern, FULL_SCAN_ROWS));
  if (pass.ok) {
    readable.forEach((s, i) => {
      s.rowsScanned = pass.value.rowsScanned;
      if (pass.value.sampledPercent !== undefined) s.sampledPercent = pass.value.sampledPercent;
      s.nonNull = pass.value.nonNull[i];
      s.hinted = pass.value.hinted[i];
    });
  } else {
    for (const s of readable) s.problems.push(`counting pass over ${first.schema}.${first.table}: ${pass.error}`);
  }

  for (const s of readable) {
    const seen = new Set<string>();
    const add = (values: SampledValue[]) => {
      for (const v of values) {
        if (seen.has(v.text)) continue;
        seen.add(v.text);
        s.values.push(v);
      }
    };
    if (s.nonNull !== 0) {
      const plain = await reader.isolate(() => reader.catalog.sample(s.column, size));
      if (plain.ok) add(plain.value);
      else s.problems.push(`sample of ${s.column.column}: ${plain.error}`);
    }
    // hinted rows: only where the counting pass saw some, or could not run
    if (s.hinted === undefined || s.hinted > 0) {
      const hinted = await reader.isolate(() => reader.catalog.sample(s.column, size, pattern));
      if (hinted.ok) add(hinted.value);
      else s.problems.push(`sample of ${s.column.column} mentioning Cloudinary: ${hinted.error}`);
    }
  }
  return samples;
}

/** Groups columns by table, in catalog order. */
export function byTable(columns: CandidateColumn[]): CandidateColumn[][] {
  const groups = new Map<string, CandidateColumn[]>();
  for (const c of columns) {
    const list = groups.get(c.tableKey) ?? [];
    list.push(c);
    groups.set(c.tableKey, list);
  }
  return [...groups.values()];
}
