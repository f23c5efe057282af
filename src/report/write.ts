/**
 * Reports are written whole or not at all, readable by the owner only, never through a symlink
 * and fsynced before they appear (src/files/safe-write.ts); and exactly: nothing here masks or
 * rewrites data (see config/redact.ts for what is masked).
 */
import { existsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { writeAll, writeDurably } from '../files/safe-write.js';

/** Bytes gathered before a write. */
const BUFFER_BYTES = 1 << 20;

export function writeAtomic(file: string, content: string): void {
  writeAtomicWith(file, (write) => write(content));
}

/**
 * Like writeAtomic, for content produced in pieces (a large report): each piece is written
 * through a fixed buffer as it comes, so the file never exists as one string.
 */
export function writeAtomicWith(file: string, produce: (write: (text: string) => void) => void): void {
  writeDurably(file, (fd) => {
    const buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    let used = 0;
    const flush = () => {
      for (let done = 0; done < used; ) done += writeSync(fd, buffer, done, used - done);
      used = 0;
    };
    produce((text) => {
      const bytes = Buffer.byteLength(text, 'utf8');
      if (used + bytes > BUFFER_BYTES) flush();
      if (bytes > BUFFER_BYTES) writeAll(fd, text);
      else used += buffer.write(text, used, 'utf8');
    });
    flush();
  });
}

/**
 * A report path in `dir` that no earlier report (CSV or JSON twin) uses: two runs started in the
 * same second get `…_2`, `…_3` rather than overwriting each other.
 */
export function freshReportPath(dir: string, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!existsSync(path.join(dir, `${name}.csv`)) && !existsSync(path.join(dir, `${name}.json`))) return path.join(dir, `${name}.csv`);
  }
}

export function reportBaseName(at: Date, complete: boolean): string {
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 10)}_${iso.slice(11, 19).replace(/:/g, '')}`;
  return `asset_detection_${stamp}${complete ? '' : '_incomplete'}`;
}
