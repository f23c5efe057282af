/** The result of a detect run: what reporters render and what the exit code is derived from. */
import type { ReferenceRow, Sampled, SourceStats } from './reference-index.js';
import type { ScanPlan } from '../scan/plan.js';

export interface OrphanRow {
  publicId: string;
  resourceType: string;
  type: string;
  bytes: number;
  format: string;
  uploadedAt: string;
  assetId: string;
  url: string;
  /** Why a reviewer should look twice, e.g. `public_id referenced as image/private` (absent: nothing to say). */
  note?: string;
}

/**
 * Findings as the reporters read them: a count, the rows in report order (read as often as
 * asked), and the first few. An array is one; so are findings spooled to disk (src/scan/sorted-spool.ts).
 */
export interface RowList<T> extends Iterable<T> {
  readonly length: number;
  slice(start?: number, end?: number): T[];
}

export interface MissingRow extends ReferenceRow {
  resourceType: string;
  type: string;
  publicId: string;
}

export interface PartitionStatus {
  partition: string;
  pages: number;
  listed: number;
  complete: boolean;
}

export interface Scope {
  days: number | null;
  since: string | null;
  prefix: string | null;
  /** The backend's partition words in scope (every one of them unless narrowed). */
  resourceTypes: string[];
  types: string[];
  orphans: boolean;
  missing: boolean;
}

export interface DetectResult {
  tool: { name: string; version: string };
  /** The storage backend scanned (e.g. `cloudinary`); twins written before it name none and are Cloudinary's. */
  backend?: string;
  cloudName: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  scope: Scope;
  complete: boolean;
  incompleteReason?: string;
  listing: {
    assets: number;
    inScope: number;
    partitions: PartitionStatus[];
    /** Entries that are not files of the store (a folder's symlinks): never judged, never orphans. */
    apart?: { count: number; samples: Array<{ key: string; reason: string }> };
    /** What could not be listed (unreadable folders): the scan is incomplete. */
    gaps?: { count: number; samples: Array<{ key: string; reason: string }> };
  };
  references: {
    rows: number;
    references: number;
    distinct: number;
    sources: SourceStats[];
    foreign: Sampled;
    invalid: Sampled;
  };
  orphans: RowList<OrphanRow>;
  orphanBytes: number;
  valid: number;
  ignored: number;
  missing: RowList<MissingRow>;
  unverified: RowList<MissingRow>;
  /** References not checked for existence because they lie outside --prefix / --resource-type / --type. */
  outOfScope: number;
  /** heads: HEAD requests of --verify head/auto (not Admin API calls, not in `calls`). */
  /** concurrency: set when the store's pushback lowered the calls in flight (max: --concurrency, lowest: how far). */
  api: { calls: number; retries: number; limit?: number; remaining?: number; resetAt?: string; lookups: number; listCalls: number; heads?: number; concurrency?: { max: number; lowest: number } };
  warnings: string[];
  /** Digest of the configuration that decided what counts as referenced (delete refuses another). */
  configDigest?: string;
  /** The call estimate made before listing (absent on a resumed scan). */
  plan?: ScanPlan;
  /** Where the checkpoint of a stopped scan was written (`detect --resume FILE`). */
  checkpoint?: string;
  /** Set when this run continued a checkpoint: when the scan first started, and how many runs it took. */
  resumed?: { from: string; runs: number };
}

export function missingByStatus(rows: Iterable<MissingRow>): { active: number; deleted: number; other: number } {
  let active = 0;
  let deleted = 0;
  let other = 0;
  for (const r of rows) {
    const s = r.status.toUpperCase();
    if (s === 'ACTIVE') active++;
    else if (s === 'DELETED') deleted++;
    else other++;
  }
  return { active, deleted, other };
}
