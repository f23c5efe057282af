/**
 * An append-only file of lines, written through one reused buffer: each line is encoded straight
 * into it and flushed when full, so no line string outlives the call that made it. (Lines kept in
 * an array until a flush survive young-generation collections and pile up, as garbage, in the old
 * generation: at a million references that was hundreds of megabytes of peak RSS.)
 */
import { closeSync, writeSync } from 'node:fs';
import { createExclusive } from '../files/safe-write.js';

const BUFFER_BYTES = 1 << 20;

export class LineFile {
  private fd: number | undefined;
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  /** Bytes written so far (flushed or buffered): the offset the next line starts at. */
  size = 0;

  constructor(readonly file: string) {
    // a fresh name in a private directory: O_EXCL, so nothing planted there is followed or reused
    this.fd = createExclusive(file);
  }

  /** Appends `text` (which should end with a newline); returns the offset it starts at. */
  append(text: string): number {
    const at = this.size;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.used + bytes > BUFFER_BYTES) this.flush();
    if (bytes > BUFFER_BYTES) {
      writeSync(this.fd!, text);
    } else {
      this.buffer.write(text, this.used, 'utf8');
      this.used += bytes;
    }
    this.size += bytes;
    return at;
  }

  flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buffer, done, this.used - done);
    this.used = 0;
  }

  get open(): boolean {
    return this.fd !== undefined;
  }

  close(): void {
    if (this.fd === undefined) return;
    try {
      this.flush();
    } finally {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
