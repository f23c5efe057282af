/** The two-section CSV report (title line, header, rows; a blank line between sections). */
import { stringify } from 'csv-stringify/sync';
import type { DetectResult, MissingRow, OrphanRow } from '../audit/result.js';
import { neutralise } from './neutralise.js';
import { reportVocabulary } from '../storage/vocabulary.js';
import type { OrphanField, ReportVocabulary } from '../storage/backend.js';

/** The default backend's words (reports and twins that name no backend are Cloudinary's). */
const DEFAULT_WORDS = reportVocabulary(undefined);
export const ORPHAN_TITLE = DEFAULT_WORDS.orphanTitle;
export const MISSING_TITLE = 'RECORDS WITH MISSING ASSETS';
export const UNVERIFIED_TITLE = 'REFERENCES NOT VERIFIED (SCAN INCOMPLETE)';
export const INCOMPLETE_PREFIX = 'INCOMPLETE SCAN';

/** The orphan header: the backend's words. */
export const orphanColumns = (w: ReportVocabulary): string[] => w.orphanColumns.map((c) => c.header);
export const ORPHAN_COLUMNS = orphanColumns(DEFAULT_WORDS);
export const MISSING_COLUMNS = ['source', 'record_id', 'title', 'author', 'resource_type', 'type', 'public_id', 'created_at', 'status', 'record_url', 'reference'];

/** Rows per stringify call: each record's text is independent of the others, so batching changes no byte. */
const BATCH = 1_000;

const csv = (rows: string[][]): string => stringify(rows.map((r) => r.map(neutralise)), { record_delimiter: '\n' });

function orphanCell(o: OrphanRow, field: OrphanField): string {
  switch (field) {
    case 'bytes':
      return String(o.bytes);
    case 'sizeMb':
      return (o.bytes / 1_048_576).toFixed(2);
    case 'note':
      return o.note ?? '';
    default:
      return o[field];
  }
}

const cellsOf = (w: ReportVocabulary) => (o: OrphanRow): string[] => w.orphanColumns.map((c) => orphanCell(o, c.field));
const missingCells = (m: MissingRow): string[] => [m.source, m.recordId, m.title, m.author, m.resourceType, m.type, m.publicId, m.createdAt, m.status, m.recordUrl, m.reference];

function writeRows<T>(rows: Iterable<T>, cells: (row: T) => string[], write: (text: string) => void): void {
  let batch: string[][] = [];
  for (const row of rows) {
    batch.push(cells(row));
    if (batch.length === BATCH) {
      write(csv(batch));
      batch = [];
    }
  }
  if (batch.length) write(csv(batch));
}

/**
 * Writes the report in pieces, each ending at a line break: the memory it needs is one batch of
 * rows, not the whole file.
 */
export function writeCsv(result: DetectResult, write: (text: string) => void): void {
  if (!result.complete) write(csv([[`${INCOMPLETE_PREFIX}: ${result.incompleteReason ?? 'stopped early'}`]]) + '\n');
  const words = reportVocabulary(result.backend);
  write(words.orphanTitle + '\n');
  write(csv([orphanColumns(words)]));
  writeRows(result.orphans, cellsOf(words), write);
  write('\n' + MISSING_TITLE + '\n');
  write(csv([MISSING_COLUMNS]));
  writeRows(result.missing, missingCells, write);
  if (result.unverified.length > 0) {
    write('\n' + UNVERIFIED_TITLE + '\n');
    write(csv([MISSING_COLUMNS]));
    writeRows(result.unverified, missingCells, write);
  }
}

/** One orphan's record exactly as writeCsv writes it (for the result's backend): the review page exports these verbatim. */
export const orphanRecord = (o: OrphanRow, backend?: string): string => csv([cellsOf(reportVocabulary(backend))(o)]);

/**
 * The text around the orphan rows of a report that lists no missing rows: what a confirmed report
 * exported by the review page holds besides the chosen orphan records, so `delete` reads it as a
 * report detect wrote.
 */
export function orphanSectionFrame(result: DetectResult): { head: string; tail: string } {
  const words = reportVocabulary(result.backend);
  const head = (result.complete ? '' : csv([[`${INCOMPLETE_PREFIX}: ${result.incompleteReason ?? 'stopped early'}`]]) + '\n') + words.orphanTitle + '\n' + csv([orphanColumns(words)]);
  return { head, tail: '\n' + MISSING_TITLE + '\n' + csv([MISSING_COLUMNS]) };
}

export function renderCsv(result: DetectResult): string {
  const parts: string[] = [];
  writeCsv(result, (text) => parts.push(text));
  return parts.join('');
}
