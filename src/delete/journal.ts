/**
 * Every outcome of a delete run, appended and fsynced per batch, so an interrupted run leaves a
 * true record and the next run resumes: ids already deleted (or already gone) are not sent again.
 */
import { closeSync, existsSync, fsyncSync, readFileSync, writeSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { usageError } from '../errors.js';
import { openForAppend, refuseSymlink } from '../files/safe-write.js';
import { neutralise, unneutralise } from '../report/neutralise.js';

export type Outcome = 'deleted' | 'not_found' | `skipped:${string}` | `failed:${string}`;

export interface JournalEntry {
  time: string;
  publicId: string;
  resourceType: string;
  type: string;
  assetId: string;
  bytes: number;
  outcome: Outcome;
}

const COLUMNS = ['time', 'public_id', 'resource_type', 'type', 'asset_id', 'bytes', 'outcome'];
const FINAL = new Set(['deleted', 'not_found']);

export const journalKey = (e: { resourceType: string; type: string; publicId: string }): string => `${e.resourceType}/${e.type}/${e.publicId}`;

export class Journal {
  private readonly final = new Map<string, JournalEntry>();

  private constructor(readonly file: string) {}

  static open(file: string): Journal {
    const journal = new Journal(file);
    refuseSymlink(file);
    if (!existsSync(file)) return journal;
    let rows: string[][];
    try {
      rows = parse(readFileSync(file, 'utf8'), { relax_column_count: false }) as string[][];
    } catch (err) {
      throw usageError(`the journal ${file} is not readable CSV (${(err as Error).message}); move it away to start a fresh one`);
    }
    const [header, ...body] = rows;
    if (header && header.join(',') !== COLUMNS.join(',')) throw usageError(`${file} is not an asset-audit delete journal (unexpected header)`);
    for (const cells of body) {
      const [time, publicId, resourceType, type, assetId, bytes, outcome] = cells.map(unneutralise);
      const entry: JournalEntry = { time: time!, publicId: publicId!, resourceType: resourceType!, type: type!, assetId: assetId!, bytes: Number(bytes), outcome: outcome as Outcome };
      if (FINAL.has(entry.outcome)) journal.final.set(journalKey(entry), entry);
    }
    return journal;
  }

  /**
   * The final outcome recorded for this asset by an earlier run, if any. An entry for another
   * asset under the same public_id (a journal left from an older report) does not count.
   */
  finished(key: { resourceType: string; type: string; publicId: string; assetId?: string }): JournalEntry | undefined {
    const entry = this.final.get(journalKey(key));
    if (entry && key.assetId && entry.assetId && entry.assetId !== key.assetId) return undefined;
    return entry;
  }

  append(entries: JournalEntry[]): void {
    if (entries.length === 0) return;
    const fresh = !existsSync(this.file);
    const rows = entries.map((e) => [e.time, e.publicId, e.resourceType, e.type, e.assetId, String(e.bytes), e.outcome].map(neutralise));
    const text = stringify(fresh ? [COLUMNS, ...rows] : rows, { record_delimiter: '\n' });
    const fd = openForAppend(this.file);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    for (const e of entries) if (FINAL.has(e.outcome)) this.final.set(journalKey(e), e);
  }
}
