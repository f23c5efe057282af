/**
 * A stopped scan's state, so `detect --resume FILE` can continue after the hourly reset and end
 * with the report an uninterrupted scan would have written. It holds what the Cloudinary side
 * has told us (chain cursors, orphans so far, what was seen and looked up, counters) and the scan
 * options; references are read again from the database on resume (they are not Cloudinary's to
 * checkpoint, and re-reading them means an asset referenced since is not called an orphan).
 * No credentials: cursors are opaque tokens, URLs are public delivery URLs. Written atomically,
 * mode 0600, through the same writer as reports (exactly: ids are data, never masked).
 */
import { configDigest } from '../config/digest.js';
import { readFileSync } from 'node:fs';
import type { LedgerState } from '../audit/classify.js';
import type { OrphanRow, Scope } from '../audit/result.js';
import type { FileConfig } from '../config/schema.js';
import { writeAtomic } from '../report/write.js';
import type { Chain } from './list.js';
import type { VerifyMode } from './verify.js';

export const CHECKPOINT_FORMAT = 'asset-audit/checkpoint';
/** 2: orphans judged by (resource type, delivery type, public_id); a version 1 scan kept assets by public_id alone. */
export const CHECKPOINT_VERSION = 2;

export interface Checkpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
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
  orphans: OrphanRow[];
  ledger: LedgerState;
  /** Calls spent by earlier runs of this scan. */
  api: { calls: number; listCalls: number; lookups: number; heads?: number; runs: number };
}

export { configDigest };

export function saveCheckpoint(file: string, checkpoint: Checkpoint): void {
  writeAtomic(file, JSON.stringify(checkpoint) + '\n');
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function loadCheckpoint(file: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CheckpointError(`cannot read the checkpoint ${file}: ${(err as Error).message}`);
  }
  let cp: Partial<Checkpoint>;
  try {
    cp = JSON.parse(text) as Partial<Checkpoint>;
  } catch {
    throw new CheckpointError(`${file} is not valid JSON: is it an asset-audit checkpoint (…_incomplete.checkpoint.json)?`);
  }
  if (cp.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file} is not an asset-audit checkpoint (…_incomplete.checkpoint.json)`);
  if (cp.version !== CHECKPOINT_VERSION) throw new CheckpointError(`${file} has checkpoint version ${String(cp.version)}; this asset-audit reads version ${CHECKPOINT_VERSION}. Start a new scan.`);
  if (!Array.isArray(cp.chains) || !Array.isArray(cp.orphans) || !cp.ledger || !cp.scope || !cp.counters || !cp.api) {
    throw new CheckpointError(`${file} is truncated or was edited (fields missing); start a new scan`);
  }
  return cp as Checkpoint;
}

/** Why this checkpoint cannot continue under the current account and configuration, if it cannot. */
export function resumeConflict(cp: Checkpoint, cloudName: string, config: FileConfig): string | undefined {
  if (cp.cloudName !== cloudName) return `the checkpoint is for cloud "${cp.cloudName}" but CLOUDINARY_URL names "${cloudName}"`;
  if (cp.configDigest !== configDigest(config)) {
    return 'the reference sources or ignore globs changed since the checkpoint was written; start a new scan (without --resume)';
  }
  return undefined;
}
