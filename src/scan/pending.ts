/**
 * Listed assets that arrived while the references were still being read. No asset may be judged
 * before every reference is known (a false orphan is the one unforgivable bug), but the listing
 * need not wait for the database: each such asset's facts are written to a temporary NDJSON file
 * (mode 0600, in a private directory, removed at the end) and judged once the references are
 * complete. Memory stays bounded whatever the share of the listing that arrives early.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { StoredAsset } from '../storage/types.js';
import { LineFile } from './linefile.js';

type Line = [string, StoredAsset['resourceType'], StoredAsset['type'], number, string, string, string, string];

export class PendingAssets {
  private readonly dirs: string[] = [];
  private out: LineFile | undefined;
  count = 0;

  add(a: StoredAsset): void {
    if (this.out === undefined) {
      const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-listed-'));
      this.dirs.push(dir);
      this.out = new LineFile(path.join(dir, 'listed.ndjson'));
    }
    const line: Line = [a.publicId, a.resourceType, a.type, a.bytes, a.format ?? '', a.createdAt, a.assetId ?? '', a.secureUrl ?? ''];
    this.out.append(JSON.stringify(line) + '\n');
    this.count++;
  }

  /**
   * Hands every held asset to `each`, in the order listed, and forgets them. Assets added while
   * this runs (the listing goes on) are handed on too, before it resolves.
   */
  async drain(each: (asset: StoredAsset) => void): Promise<void> {
    while (this.out !== undefined) {
      const file = this.out.file;
      this.out.close();
      this.out = undefined;
      await readLines(file, (text) => {
        const [publicId, resourceType, type, bytes, format, createdAt, assetId, secureUrl] = JSON.parse(text) as Line;
        each({ publicId, resourceType, type, bytes, format, createdAt, assetId, secureUrl });
      });
      rmSync(path.dirname(file), { recursive: true, force: true });
      this.count = 0;
    }
  }

  dispose(): void {
    this.out?.close();
    this.out = undefined;
    for (const dir of this.dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

/** Calls `each` for every non-empty line of a UTF-8 file, reading it in large chunks. */
export async function readLines(file: string, each: (line: string) => void): Promise<void> {
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = rest + (chunk as string);
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (nl > start) each(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest) each(rest);
}
