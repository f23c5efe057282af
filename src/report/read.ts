/**
 * Reads a detect CSV report back (for `delete` and for tests). A real CSV parser, strict
 * structure: title lines, then the exact header, then rows of that width. Anything else is
 * refused as a whole with the line it was found on.
 */
import { parse } from 'csv-parse/sync';
import { INCOMPLETE_PREFIX, MISSING_COLUMNS, MISSING_TITLE, ORPHAN_TITLE, UNVERIFIED_TITLE } from './csv.js';
import { allVocabularies } from '../storage/vocabulary.js';
import { unneutralise } from './neutralise.js';

export class ReportFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'ReportFormatError';
  }
}

export type Row = Record<string, string>;

export interface ParsedReport {
  /** Whose report it is: the backend whose orphan title it carries. */
  backend: string;
  incomplete?: string;
  orphans: Array<Row & { line: string }>;
  missing: Row[];
  unverified: Row[];
}

interface Section {
  key: 'orphans' | 'missing' | 'unverified';
  columns: string[];
  /** Older headers also accepted; their rows get '' for the columns they lack. */
  older: string[][];
  /** The backend an orphan section belongs to. */
  backend?: string;
}

/** Every backend's orphan section, by its title, and the two sections every report has. */
function sections(): Record<string, Section> {
  const out: Record<string, Section> = {
    [MISSING_TITLE]: { key: 'missing', columns: MISSING_COLUMNS, older: [] },
    [UNVERIFIED_TITLE]: { key: 'unverified', columns: MISSING_COLUMNS, older: [] },
  };
  for (const [backend, words] of allVocabularies()) {
    out[words.orphanTitle] = { key: 'orphans', backend, columns: words.orphanColumns.map((c) => c.header), older: (words.olderOrphanColumns ?? []).map((cols) => cols.map((c) => c.header)) };
  }
  return out;
}

export function readReport(text: string): ParsedReport {
  if (text.includes('\u0000')) throw new ReportFormatError(1, 'binary data: this is not an asset-audit report');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: false, info: true, bom: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new ReportFormatError(e.lines ?? 0, `not valid CSV (${e.message})`);
  }
  const SECTIONS = sections();
  const report: ParsedReport = { backend: '', orphans: [], missing: [], unverified: [] };
  let section: Section | undefined;
  let columns: string[] = [];
  let expectHeader = false;
  const seen = new Set<string>();
  for (const { record, info } of records) {
    const line = info.lines;
    const cells = record.map(unneutralise);
    if (cells.length === 1 && cells[0] === '') continue;
    if (cells.length === 1 && cells[0]!.startsWith(`${INCOMPLETE_PREFIX}:`) && !section) {
      report.incomplete = cells[0]!.slice(INCOMPLETE_PREFIX.length + 1).trim();
      continue;
    }
    if (cells.length === 1 && SECTIONS[cells[0]!]) {
      if (seen.has(cells[0]!)) throw new ReportFormatError(line, `section "${cells[0]}" appears twice`);
      seen.add(cells[0]!);
      section = SECTIONS[cells[0]!]!;
      if (section.backend !== undefined) {
        if (report.backend) throw new ReportFormatError(line, `a second orphan section "${cells[0]}": this is not an asset-audit detect report`);
        report.backend = section.backend;
      }
      expectHeader = true;
      continue;
    }
    if (!section) throw new ReportFormatError(line, `expected the title line "${ORPHAN_TITLE}": this is not an asset-audit detect report`);
    if (expectHeader) {
      const header = cells.join(',');
      const older = section.older.find((cols) => header === cols.join(','));
      if (header === section.columns.join(',')) columns = section.columns;
      else if (older) columns = older;
      else throw new ReportFormatError(line, `unexpected header; expected ${section.columns.join(',')}`);
      expectHeader = false;
      continue;
    }
    if (cells.length !== columns.length) {
      throw new ReportFormatError(line, `expected ${columns.length} cells, found ${cells.length} (truncated or edited row?)`);
    }
    const row: Row = {};
    section.columns.forEach((c, i) => (row[c] = cells[i] ?? ''));
    if (section.key === 'orphans') report.orphans.push({ ...row, line: String(line) });
    else report[section.key].push(row);
  }
  if (!report.backend) throw new ReportFormatError(1, `no "${ORPHAN_TITLE}" section: this is not an asset-audit detect report`);
  if (expectHeader) throw new ReportFormatError(records.length, 'the report ends before a section header (truncated?)');
  // detect always writes both sections, even when one is empty: a missing one means a cut-off file
  if (!seen.has(MISSING_TITLE)) throw new ReportFormatError(records.length, `the report ends before the "${MISSING_TITLE}" section (truncated?)`);
  return report;
}
