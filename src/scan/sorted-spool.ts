/**
 * Findings (orphans, missing and unverified rows) kept in bounded memory: rows gather in a chunk
 * of CHUNK_ROWS; a full chunk is sorted and written to a run file; at the end the runs are merged
 * (stable: on a tie the earlier run wins, as Array.prototype.sort keeps insertion order) into one
 * file that the reporters read row by row. A scan whose findings fit one chunk never touches disk
 * and yields a plain sorted array, byte for byte what sorting in memory gave.
 *
 * Files live in a private temporary directory (mode 0700, files 0600), removed when the process
 * exits: the result that reads them outlives detect() (the CLI writes its reports afterwards).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { FindingSink } from '../audit/judge.js';
import type { RowList } from '../audit/result.js';
import { LineFile } from './linefile.js';

/** Rows held in memory at most per spool (an orphan row is a few hundred bytes). */
export const CHUNK_ROWS = 50_000;
const READ_BYTES = 1 << 16;

let directory: string | undefined;
let files = 0;
/** The private directory of every spool of this process, made on first use and removed at exit. */
function spoolDir(): string {
  if (!directory) {
    const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-findings-'));
    directory = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return directory;
}

/** The lines of a file, read synchronously a block at a time. */
export function* fileLines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(READ_BYTES);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_BYTES, null);
      if (n === 0) break;
      const text = rest + decoder.write(buffer.subarray(0, n));
      const lines = text.split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    rest += decoder.end();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** Rows written one JSON document a line, read back in order as often as asked. */
export class SpooledRows<T> implements RowList<T> {
  constructor(
    private readonly file: string,
    readonly length: number,
  ) {}

  *[Symbol.iterator](): Iterator<T> {
    for (const line of fileLines(this.file)) yield JSON.parse(line) as T;
  }

  slice(start = 0, end = this.length): T[] {
    const out: T[] = [];
    let i = 0;
    for (const row of this) {
      if (i >= end) break;
      if (i++ >= start) out.push(row);
    }
    return out;
  }

  /** JSON.stringify of a result (a caller that did not stream it) sees the rows as an array. */
  toJSON(): T[] {
    return [...this];
  }
}

function writeRows<T>(rows: Iterable<T>): string {
  const file = path.join(spoolDir(), `rows-${++files}.ndjson`);
  const out = new LineFile(file);
  try {
    for (const row of rows) out.append(JSON.stringify(row) + '\n');
  } finally {
    out.close();
  }
  return file;
}

export class SortedSpool<T> implements FindingSink<T> {
  private chunk: T[] = [];
  private readonly runs: string[] = [];
  private count = 0;

  constructor(
    private readonly compare: (a: T, b: T) => number,
    private readonly chunkRows = CHUNK_ROWS,
  ) {}

  get length(): number {
    return this.count;
  }

  push(row: T): void {
    this.chunk.push(row);
    this.count++;
    if (this.chunk.length >= this.chunkRows) this.spill();
  }

  private spill(): void {
    this.chunk.sort(this.compare);
    this.runs.push(writeRows(this.chunk));
    this.chunk = [];
  }

  /** Every row so far, in no particular order (a checkpoint carries them). */
  *unordered(): Generator<T> {
    for (const run of this.runs) for (const line of fileLines(run)) yield JSON.parse(line) as T;
    yield* this.chunk;
  }

  /** The rows in order, each handed to `finish` once on the way; the spool is used up. */
  sorted(finish: (row: T) => void = () => undefined): RowList<T> {
    if (this.runs.length === 0) {
      const rows = this.chunk.sort(this.compare);
      this.chunk = [];
      rows.forEach(finish);
      return rows;
    }
    if (this.chunk.length) this.spill();
    const merged = writeRows(this.merge(finish));
    for (const run of this.runs) rmSync(run, { force: true });
    return new SpooledRows<T>(merged, this.count);
  }

  /** A k-way merge over a binary heap of the runs' heads; ties go to the earlier run. */
  private *merge(finish: (row: T) => void): Generator<T> {
    const sources = this.runs.map((run) => fileLines(run));
    const heap: Array<{ row: T; run: number }> = [];
    const less = (a: { row: T; run: number }, b: { row: T; run: number }) => {
      const c = this.compare(a.row, b.row);
      return c < 0 || (c === 0 && a.run < b.run);
    };
    const pushHead = (run: number) => {
      const next = sources[run]!.next();
      if (next.done) return;
      heap.push({ row: JSON.parse(next.value) as T, run });
      for (let i = heap.length - 1; i > 0; ) {
        const parent = (i - 1) >> 1;
        if (!less(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    };
    for (let run = 0; run < sources.length; run++) pushHead(run);
    while (heap.length) {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length) {
        heap[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
          if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
          if (m === i) break;
          [heap[i], heap[m]] = [heap[m]!, heap[i]!];
          i = m;
        }
      }
      finish(top.row);
      yield top.row;
      pushHead(top.run);
    }
  }
}
