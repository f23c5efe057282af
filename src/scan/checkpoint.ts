/**
 * A stopped scan's state, so `detect --resume FILE` can continue after the hourly reset and end
 * with the report an uninterrupted scan would have written. It holds what the Cloudinary side
 * has told us (chain cursors, orphans so far, what was seen and looked up, counters) and the scan
 * options; references are read again from the database on resume (they are not Cloudinary's to
 * checkpoint, and re-reading them means an asset referenced since is not called an orphan).
 * No credentials: cursors are opaque tokens, URLs are public delivery URLs. Written atomically,
 * mode 0600, through the same writer as reports (exactly: ids are data, never masked).
 * On disk (version 3) the first line is the checkpoint without its orphans, then one orphan a line:
 * written and read back a row at a time, so millions of orphans are never one string or one array.
 */
import { configDigest } from '../config/digest.js';
import type { LedgerState } from '../audit/classify.js';
import type { OrphanRow, Scope } from '../audit/result.js';
import type { FileConfig } from '../config/schema.js';
import { writeAtomicWith } from '../report/write.js';
import { fileLines } from './sorted-spool.js';
import type { Chain } from './list.js';
import type { VerifyMode } from './verify.js';

export const CHECKPOINT_FORMAT = 'asset-audit/checkpoint';
/**
 * 3: the orphans follow the first line, one a line (2 held them as one array, still read);
 * 2: orphans judged by (resource type, delivery type, public_id); a version 1 scan kept assets by public_id alone.
 */
export const CHECKPOINT_VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [2, 3];

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  writtenAt: string;
  /** When the first run of this scan started. */
  startedAt: string;
  reason: string;
  cloudName: string;
  /** Fingerprint of the reference sources and ignore globs: a resume must judge by the same rules. */
  configDigest: string;
  scope: Scope;
  options: { windows: number | 'auto'; verify?: VerifyMode };
  phase: 'listing' | 'lookups';
  chains: Chain[];
  counters: { listed: number; valid: number; ignored: number; orphanBytes: number };
  /** In report order; read from the file as often as iterated (never held as one array). */
  orphans: Iterable<OrphanRow>;
  ledger: LedgerState;
  /** Calls spent by earlier runs of this scan. */
  api: { calls: number; listCalls: number; lookups: number; heads?: number; runs: number };
}

export { configDigest };

export function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  const { orphans, ...head } = checkpoint;
  writeAtomicWith(file, (write) => {
    write(JSON.stringify({ ...head, version: CHECKPOINT_VERSION }) + '\n');
    let count = 0;
    for (const o of orphans) {
      write(JSON.stringify(o) + '\n');
      count++;
    }
    // the last line counts the rows: a file cut short or edited is refused, not resumed with fewer orphans
    write(JSON.stringify({ orphanCount: count }) + '\n');
  });
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function loadCheckpoint(file: string): Checkpoint {
  let first: string;
  try {
    first = firstLine(file);
  } catch (err) {
    throw new CheckpointError(`cannot read the checkpoint ${file}: ${(err as Error).message}`);
  }
  let cp: Partial<Checkpoint> & { orphans?: unknown };
  try {
    cp = JSON.parse(first) as Partial<Checkpoint>;
  } catch {
    throw new CheckpointError(`${file} is not valid JSON: is it an asset-audit checkpoint (…_incomplete.checkpoint.json)?`);
  }
  if (cp.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file} is not an asset-audit checkpoint (…_incomplete.checkpoint.json)`);
  if (!READABLE_VERSIONS.includes(cp.version as number)) throw new CheckpointError(`${file} has checkpoint version ${String(cp.version)}; this asset-audit reads versions ${READABLE_VERSIONS.join(' and ')}. Start a new scan.`);
  const orphansInline = cp.version === 2;
  if (!Array.isArray(cp.chains) || (orphansInline && !Array.isArray(cp.orphans)) || !cp.ledger || !cp.scope || !cp.counters || !cp.api) {
    throw new CheckpointError(`${file} is truncated or was edited (fields missing); start a new scan`);
  }
  if (!orphansInline) {
    // read through once here, so a damaged file is refused before the scan starts; then read lazily
    for (const _row of followingRows(file)) continue;
    cp.orphans = { [Symbol.iterator]: () => followingRows(file) };
  }
  return cp as Checkpoint;
}

/** The first line of a file, read without reading the rest. */
function firstLine(file: string): string {
  for (const line of fileLines(file)) return line;
  return '';
}

/** The orphan rows after a version 3 checkpoint's first line; refuses a file whose count line does not match. */
function* followingRows(file: string): Generator<OrphanRow> {
  let count = 0;
  let counted: number | undefined;
  let first = true;
  for (const line of fileLines(file)) {
    if (first) {
      first = false;
      continue;
    }
    if (!line) continue;
    if (counted !== undefined) throw new CheckpointError(`${file} was edited (rows after its count line); start a new scan`);
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      throw new CheckpointError(`${file} is truncated or was edited (a row is not JSON); start a new scan`);
    }
    if (row && typeof row === 'object' && 'orphanCount' in row) {
      counted = Number((row as { orphanCount: unknown }).orphanCount);
      continue;
    }
    count++;
    yield row as OrphanRow;
  }
  if (counted !== count) throw new CheckpointError(`${file} is truncated or was edited (${count} orphan rows, ${counted ?? 'no'} counted); start a new scan`);
}

/** Why this checkpoint cannot continue under the current account and configuration, if it cannot. */
export function resumeConflict(cp: Checkpoint, cloudName: string, config: FileConfig): string | undefined {
  if (cp.cloudName !== cloudName) return `the checkpoint is for cloud "${cp.cloudName}" but CLOUDINARY_URL names "${cloudName}"`;
  if (cp.configDigest !== configDigest(config)) {
    return 'the reference sources or ignore globs changed since the checkpoint was written; start a new scan (without --resume)';
  }
  return undefined;
}
