/**
 * The rows behind a million references do not fit the memory budget next to everything else, and
 * only the few whose asset turns out missing are ever shown. So they are written to a temporary
 * NDJSON file as they are read (mode 0600, in a private directory, removed when the scan ends)
 * and read back once, at the end, to build the missing section.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ReferenceRow, RequirementRef, RowSink } from '../audit/reference-index.js';

/** Bytes buffered before a write: few syscalls, little memory. */
const FLUSH_BYTES = 1 << 20;

type Line = [RequirementRef, string, string, string, string, string, string, string, string];

export class RowSpool implements RowSink {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-rows-'));
  private readonly file = path.join(this.dir, 'rows.ndjson');
  private fd: number | undefined = openSync(this.file, 'w', 0o600);
  private buffer: string[] = [];
  private buffered = 0;

  add(requirement: RequirementRef, r: ReferenceRow): void {
    const line: Line = [requirement, r.source, r.recordId, r.title, r.author, r.status, r.createdAt, r.recordUrl, r.reference];
    const text = JSON.stringify(line) + '\n';
    this.buffer.push(text);
    this.buffered += text.length;
    if (this.buffered >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.fd === undefined || this.buffer.length === 0) return;
    writeSync(this.fd, this.buffer.join(''));
    this.buffer = [];
    this.buffered = 0;
  }

  /** Every row, in the order added. */
  async *read(): AsyncGenerator<{ requirement: RequirementRef; row: ReferenceRow }> {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const lines = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    for await (const text of lines) {
      if (!text) continue;
      const [requirement, source, recordId, title, author, status, createdAt, recordUrl, reference] = JSON.parse(text) as Line;
      yield { requirement, row: { source, recordId, title, author, status, createdAt, recordUrl, reference } };
    }
  }

  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
