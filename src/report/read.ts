/**
 * Reads a detect CSV report back (for `delete` and for tests). A real CSV parser, strict
 * structure: title lines, then the exact header, then rows of that width. Anything else is
 * refused as a whole with the line it was found on.
 */
import { parse } from 'csv-parse/sync';
import { INCOMPLETE_PREFIX, MISSING_COLUMNS, MISSING_TITLE, ORPHAN_COLUMNS, ORPHAN_COLUMNS_WITHOUT_NOTE, ORPHAN_TITLE, UNVERIFIED_TITLE } from './csv.js';
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
  incomplete?: string;
  orphans: Array<Row & { line: string }>;
  missing: Row[];
  unverified: Row[];
}

interface Section {
  key: 'orphans' | 'missing' | 'unverified';
  columns: string[];
  /** An older header also accepted; its rows get '' for the columns it lacks. */
  older?: string[];
}

const SECTIONS: Record<string, Section> = {
  [ORPHAN_TITLE]: { key: 'orphans', columns: ORPHAN_COLUMNS, older: ORPHAN_COLUMNS_WITHOUT_NOTE },
  [MISSING_TITLE]: { key: 'missing', columns: MISSING_COLUMNS },
  [UNVERIFIED_TITLE]: { key: 'unverified', columns: MISSING_COLUMNS },
};

export function readReport(text: string): ParsedReport {
  if (text.includes('\u0000')) throw new ReportFormatError(1, 'binary data: this is not an asset-audit report');
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { relax_column_count: true, skip_empty_lines: false, info: true, bom: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    throw new ReportFormatError(e.lines ?? 0, `not valid CSV (${e.message})`);
  }
  const report: ParsedReport = { orphans: [], missing: [], unverified: [] };
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
      section = SECTIONS[cells[0]!];
      expectHeader = true;
      continue;
    }
    if (!section) throw new ReportFormatError(line, `expected the title line "${ORPHAN_TITLE}": this is not an asset-audit detect report`);
    if (expectHeader) {
      const header = cells.join(',');
      if (header === section.columns.join(',')) columns = section.columns;
      else if (section.older && header === section.older.join(',')) columns = section.older;
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
  if (!seen.has(ORPHAN_TITLE)) throw new ReportFormatError(1, `no "${ORPHAN_TITLE}" section: this is not an asset-audit detect report`);
  if (expectHeader) throw new ReportFormatError(records.length, 'the report ends before a section header (truncated?)');
  // detect always writes both sections, even when one is empty: a missing one means a cut-off file
  if (!seen.has(MISSING_TITLE)) throw new ReportFormatError(records.length, `the report ends before the "${MISSING_TITLE}" section (truncated?)`);
  return report;
}
