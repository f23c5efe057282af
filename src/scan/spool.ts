/**
 * The rows behind a million references do not fit the memory budget next to everything else, and
 * only the few whose asset turns out missing are ever shown. So they are written to a temporary
 * NDJSON file as they are read (mode 0600, in a private directory, removed when the scan ends)
 * and read back once, at the end, to build the missing section.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ReferenceRow, RequirementRef, RowSink } from '../audit/reference-index.js';
import { LineFile } from './linefile.js';
import { readLines } from './pending.js';

type Line = [RequirementRef, string, string, string, string, string, string, string, string];

export class RowSpool implements RowSink {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-rows-'));
  private readonly out = new LineFile(path.join(this.dir, 'rows.ndjson'));

  add(requirement: RequirementRef, r: ReferenceRow): void {
    const line: Line = [requirement, r.source, r.recordId, r.title, r.author, r.status, r.createdAt, r.recordUrl, r.reference];
    this.out.append(JSON.stringify(line) + '\n');
  }

  /**
   * Every row whose requirement `select` keeps, in the order added. Lines start with their
   * requirement number, so the others are skipped without being parsed.
   */
  async scan(select: (requirement: RequirementRef) => boolean, each: (requirement: RequirementRef, row: ReferenceRow) => void): Promise<void> {
    this.out.close();
    await readLines(this.out.file, (text) => {
      const requirement = Number(text.slice(1, text.indexOf(',')));
      if (!select(requirement)) return;
      const [, source, recordId, title, author, status, createdAt, recordUrl, reference] = JSON.parse(text) as Line;
      each(requirement, { source, recordId, title, author, status, createdAt, recordUrl, reference });
    });
  }

  dispose(): void {
    this.out.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
