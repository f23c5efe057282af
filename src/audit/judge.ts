/**
 * Pure judging: what one listed asset is (in use, ignored, or an orphan), and which references
 * are missing or unverified once the listing and the checks are done. No I/O: the scan's steps
 * (src/scan/steps/) feed it.
 */
import type { ExistenceLedger } from './classify.js';
import { slotsInScope } from './classify.js';
import type { ReferenceIndex, ReferenceRow, RequirementRef } from './reference-index.js';
import type { MissingRow, OrphanRow, RowList, Scope } from './result.js';
import type { StoredAsset } from '../storage/types.js';

/** Where the reference rows were spooled (src/scan/spool.ts): replayed once, in reading order. */
export interface RowReplay {
  scan(select: (requirement: RequirementRef) => boolean, each: (requirement: RequirementRef, row: ReferenceRow) => void): Promise<void>;
}

/**
 * Where findings gather: rows pushed in any order come back sorted. In memory here
 * (arraySink); the scan spools them to disk past a chunk (src/scan/sorted-spool.ts).
 */
export interface FindingSink<T> {
  push(row: T): void;
  readonly length: number;
  /** Every row so far, in no particular order. */
  unordered(): Iterable<T>;
  /** The rows in order, each handed to `finish` once on the way; the sink is used up. */
  sorted(finish?: (row: T) => void): RowList<T>;
}

export function arraySink<T>(compare: (a: T, b: T) => number): FindingSink<T> {
  const rows: T[] = [];
  return {
    push: (row) => void rows.push(row),
    get length() {
      return rows.length;
    },
    unordered: () => rows,
    sorted: (finish) => {
      rows.sort(compare);
      if (finish) rows.forEach(finish);
      return rows;
    },
  };
}

/** Report order of orphans: public_id, then resource type, then delivery type. */
export const orphanOrder = (a: OrphanRow, b: OrphanRow): number => a.publicId.localeCompare(b.publicId) || a.resourceType.localeCompare(b.resourceType) || a.type.localeCompare(b.type);

/** Report order of missing rows: source (config order), record id (numeric-aware), public_id. */
export function missingOrder(sourceOrder: readonly string[]): (a: MissingRow, b: MissingRow) => number {
  const order = new Map(sourceOrder.map((s, i) => [s, i]));
  // one collator for every comparison: localeCompare with options builds one per call (25x slower)
  const numeric = new Intl.Collator('en', { numeric: true });
  return (a, b) => (order.get(a.source)! - order.get(b.source)!) || numeric.compare(a.recordId, b.recordId) || a.publicId.localeCompare(b.publicId);
}

export interface Tally {
  listed: number;
  valid: number;
  ignored: number;
  orphanBytes: number;
}

export interface Judge {
  index: ReferenceIndex;
  ledger: ExistenceLedger;
  isIgnored: (publicId: string) => boolean;
  orphans: FindingSink<OrphanRow>;
  counters: Tally;
}

export function judgeAsset(j: Judge, asset: StoredAsset): void {
  const slot = j.index.slotOf(asset.publicId);
  // seen wherever its id is referenced, for the missing check; kept only where a reading names it
  if (slot !== undefined) j.ledger.markSeenSlot(slot, j.index.masks.bit(asset));
  if (j.index.isProtected(asset)) {
    j.counters.valid++;
  } else if (j.isIgnored(asset.publicId)) {
    j.counters.ignored++;
  } else {
    j.orphans.push({
      publicId: asset.publicId,
      resourceType: asset.resourceType,
      type: asset.type,
      bytes: asset.bytes,
      format: asset.format ?? '',
      uploadedAt: asset.createdAt,
      assetId: asset.assetId ?? '',
      url: asset.secureUrl ?? '',
    });
    j.counters.orphanBytes += asset.bytes;
  }
}

/** A resumed scan's carried orphans, judged again by this run's references (an asset referenced since is no orphan). */
export function rejudgeCarried(j: Judge, carried: Iterable<OrphanRow>): void {
  for (const o of carried) {
    const slot = j.index.slotOf(o.publicId);
    if (slot !== undefined) j.ledger.markSeenSlot(slot, j.index.masks.bit(o));
    if (j.index.isProtected(o)) {
      j.counters.valid++;
      j.counters.orphanBytes -= o.bytes;
    } else j.orphans.push(o);
  }
}

export interface Buckets {
  missing: RowList<MissingRow>;
  unverified: RowList<MissingRow>;
  outOfScope: number;
}

/**
 * Every requirement in scope that no candidate settles as existing: missing where the ledger
 * proves absence in every partition it could be in, else unverified. Rows come off the spool in
 * reading order, then sorted by source (config order), record id (numeric-aware), public_id.
 */
export async function bucketRequirements(
  spool: RowReplay,
  index: ReferenceIndex,
  ledger: ExistenceLedger,
  scope: { scope: Scope; mask: number },
  sourceOrder: readonly string[],
  sink: (compare: (a: MissingRow, b: MissingRow) => number) => FindingSink<MissingRow> = arraySink,
): Promise<Buckets> {
  const byRecord = missingOrder(sourceOrder);
  const missing = sink(byRecord);
  const unverified = sink(byRecord);
  let outOfScope = 0;
  const idOf = (slot: number) => index.publicIdOf(slot);
  let bucket = missing;
  await spool.scan(
    (requirement) => {
      const candidates = index.candidatesOf(requirement);
      if (!slotsInScope(candidates, scope.scope, scope.mask, idOf)) {
        outOfScope++;
        return false;
      }
      if (ledger.existsSlots(candidates)) return false;
      bucket = ledger.provenMissingSlots(candidates, idOf) ? missing : unverified;
      return true;
    },
    (requirement, row) => {
      const primary = index.candidatesOf(requirement)[0]!;
      bucket.push({ ...row, publicId: idOf(primary.slot), ...index.masks.typesOf(primary.mask) });
    },
  );
  return { missing: missing.sorted(), unverified: unverified.sorted(), outOfScope };
}

/** Orphans in report order, each noting where else its public_id is referenced (by this run's references). */
export function finishOrphans(orphans: FindingSink<OrphanRow>, index: ReferenceIndex): RowList<OrphanRow> {
  return orphans.sorted((o) => {
    const slot = index.slotOf(o.publicId);
    const elsewhere = slot === undefined ? 0 : index.protectedMaskOf(slot);
    if (elsewhere) o.note = `public_id referenced as ${index.masks.label(elsewhere)}`;
    else delete o.note;
  });
}
