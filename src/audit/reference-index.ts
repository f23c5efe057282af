/**
 * Everything the database said, held compactly for the diff: which assets are in use (protected
 * from being called orphans), which distinct requirements must be confirmed to exist, and the rows
 * behind them for the missing-assets section.
 *
 * An asset is (resource type, delivery type, public_id). A reading protects exactly the partitions
 * its candidates allow: a typed one (delivery URL, CloudinaryField value) its own, a bare id all of
 * the backend's (Cloudinary: nine, or the three of the source's resource_type column), an ambiguous
 * one those of every candidate. Held as one mask of the run's partitions (src/audit/partitions.ts)
 * per public_id slot: the OR of every candidate naming it.
 *
 * Memory is the constraint at a million references (peak RSS under 400 MB): each distinct
 * public_id is stored once and given a slot number; a requirement naming one candidate (nearly all
 * of them) is a number, slot × 512 + partition mask; what is protected and what exists are tracked
 * per slot in typed arrays (see ExistenceLedger). The report rows are handed to a RowSink as they
 * are read: in memory by default, spooled to a temporary file by detect (src/scan/spool.ts) and
 * read back once at the end.
 */
import type { AssetKey } from '../references/types.js';
import type { Partition } from '../storage/types.js';
import { requirementKey } from './keys.js';
import type { PartitionMasks } from './partitions.js';

export interface ReferenceRow {
  source: string;
  recordId: string;
  title: string;
  author: string;
  status: string;
  createdAt: string;
  recordUrl: string;
  /** The value as stored (or the URL found inside it). */
  reference: string;
}

export interface Requirement {
  candidates: AssetKey[];
}

export interface SourceStats {
  name: string;
  rows: number;
  references: number;
  /** Readings that only protect assets (ambiguous layers), never checked for existence. */
  protectOnly: number;
  empty: number;
  foreign: number;
  invalid: number;
}

export interface Sampled {
  count: number;
  samples: Array<{ source: string; recordId: string; value: string; reason: string }>;
}

export const SAMPLE_LIMIT = 20;

/** A requirement naming one candidate is slot × MASK_SPAN + mask; one naming several is −(index + 1). */
export const MASK_SPAN = 512;

export type RequirementRef = number;

/** One candidate as the index holds it. */
export interface SlotCandidate {
  slot: number;
  mask: number;
}

/** Where the rows behind the references go while they are read. */
export interface RowSink {
  add(requirement: RequirementRef, row: ReferenceRow): void;
}

/** Keeps rows in memory: for small runs, tests and commands that only need what is protected. */
export class MemoryRows implements RowSink {
  readonly rows: Array<{ requirement: RequirementRef; row: ReferenceRow }> = [];
  add(requirement: RequirementRef, row: ReferenceRow): void {
    this.rows.push({ requirement, row });
  }
}

const INITIAL_SLOTS = 1024;

export class ReferenceIndex {
  private readonly slots = new Map<string, number>();
  private readonly ids: string[] = [];
  /** Per slot, the mask of the first single-candidate requirement naming it (0: none). */
  private firstMask = new Uint16Array(INITIAL_SLOTS);
  /** Per slot, the partitions in which an asset with this public_id is referenced (protected). */
  private protectedMask = new Uint16Array(INITIAL_SLOTS);
  /** Further distinct masks for the same slot (a bare id and a typed URL of the same asset). */
  private readonly moreMasks = new Map<number, number[]>();
  private readonly multiKeys = new Map<string, number>();
  private readonly multi: SlotCandidate[][] = [];
  private singles = 0;
  private rowCount = 0;
  readonly sources: SourceStats[] = [];
  readonly foreign: Sampled = { count: 0, samples: [] };
  readonly invalid: Sampled = { count: 0, samples: [] };

  constructor(
    /** The run's partitions (the backend's), as bits. */
    readonly masks: PartitionMasks,
    readonly sink: RowSink = new MemoryRows(),
  ) {}

  startSource(name: string): SourceStats {
    const stats = { name, rows: 0, references: 0, protectOnly: 0, empty: 0, foreign: 0, invalid: 0 };
    this.sources.push(stats);
    return stats;
  }

  addReference(stats: SourceStats, row: ReferenceRow, candidates: AssetKey[]): RequirementRef {
    stats.references++;
    this.rowCount++;
    let requirement: RequirementRef;
    if (candidates.length === 1) {
      const c = candidates[0]!;
      const slot = this.protectSlot(c, row.reference);
      const mask = this.masks.maskOf(c);
      this.addSingle(slot, mask);
      requirement = slot * MASK_SPAN + mask;
    } else {
      const key = requirementKey(candidates);
      let i = this.multiKeys.get(key);
      if (i === undefined) {
        i = this.multi.length;
        this.multi.push(candidates.map((c) => ({ slot: this.protectSlot(c, row.reference), mask: this.masks.maskOf(c) })));
        this.multiKeys.set(key, i);
      } else {
        for (const c of candidates) this.protectSlot(c, row.reference);
      }
      requirement = -(i + 1);
    }
    this.sink.add(requirement, row);
    return requirement;
  }

  /**
   * Protects assets from ever being called orphans without requiring them to exist: a reading that
   * may or may not be an asset (a layer in an ambiguous, unversioned URL) must keep it, but must
   * not make the row "missing" when it is not one. Each candidate protects the partitions it allows.
   */
  protect(stats: SourceStats, candidates: AssetKey[], raw: string): void {
    stats.protectOnly++;
    for (const c of candidates) this.protectSlot(c, raw);
  }

  addUnrecognised(stats: SourceStats, kind: 'foreign' | 'invalid', row: ReferenceRow, reason: string): void {
    const bucket = kind === 'foreign' ? this.foreign : this.invalid;
    stats[kind]++;
    bucket.count++;
    if (bucket.samples.length < SAMPLE_LIMIT) {
      bucket.samples.push({ source: row.source, recordId: row.recordId, value: row.reference.slice(0, 300), reason });
    }
  }

  /** True when some reading names this asset: its public_id, in a partition the reading allows. */
  isProtected(asset: Partition & { publicId: string }): boolean {
    const slot = this.slots.get(asset.publicId);
    return slot !== undefined && (this.protectedMask[slot]! & this.masks.bit(asset)) !== 0;
  }

  /** The partitions in which assets with this slot's public_id are protected (0: none). */
  protectedMaskOf(slot: number): number {
    return this.protectedMask[slot] ?? 0;
  }

  slotOf(publicId: string): number | undefined {
    return this.slots.get(publicId);
  }

  publicIdOf(slot: number): string {
    return this.ids[slot]!;
  }

  get slotCount(): number {
    return this.ids.length;
  }

  /** Rows read (one per reference). */
  get referenceCount(): number {
    return this.rowCount;
  }

  /** Distinct requirements (what must be confirmed to exist). */
  get distinctCount(): number {
    return this.singles + this.multi.length;
  }

  /** The candidates of a requirement, first (primary) reading first. */
  candidatesOf(requirement: RequirementRef): SlotCandidate[] {
    if (requirement < 0) return this.multi[-requirement - 1]!;
    return [{ slot: Math.floor(requirement / MASK_SPAN), mask: requirement % MASK_SPAN }];
  }

  /** Calls back once per distinct requirement. */
  forEachRequirement(each: (requirement: RequirementRef, candidates: SlotCandidate[]) => void): void {
    for (let slot = 0; slot < this.ids.length; slot++) {
      const first = this.firstMask[slot]!;
      if (first === 0) continue;
      each(slot * MASK_SPAN + first, [{ slot, mask: first }]);
      for (const mask of this.moreMasks.get(slot) ?? []) each(slot * MASK_SPAN + mask, [{ slot, mask }]);
    }
    this.multi.forEach((candidates, i) => each(-(i + 1), candidates));
  }

  private addSingle(slot: number, mask: number): void {
    const first = this.firstMask[slot]!;
    if (first === mask) return;
    if (first === 0) {
      this.firstMask[slot] = mask;
      this.singles++;
      return;
    }
    const more = this.moreMasks.get(slot);
    if (!more) {
      this.moreMasks.set(slot, [mask]);
      this.singles++;
    } else if (!more.includes(mask)) {
      more.push(mask);
      this.singles++;
    }
  }

  private protectSlot(c: AssetKey, raw: string): number {
    const slot = this.intern(c.publicId, raw);
    this.protectedMask[slot]! |= c.hinted ? this.masks.all : this.masks.maskOf(c);
    return slot;
  }

  private intern(publicId: string, raw: string): number {
    const known = this.slots.get(publicId);
    if (known !== undefined) return known;
    // An id cut out of a longer stored value (a URL) can keep the whole value alive as a V8 sliced
    // string; a copy holds only its own characters.
    const id = publicId.length < raw.length ? Buffer.from(publicId, 'utf8').toString('utf8') : publicId;
    const slot = this.ids.length;
    this.ids.push(id);
    this.slots.set(id, slot);
    if (slot >= this.firstMask.length) {
      this.firstMask = grown(this.firstMask);
      this.protectedMask = grown(this.protectedMask);
    }
    return slot;
  }
}

function grown(masks: Uint16Array<ArrayBuffer>): Uint16Array<ArrayBuffer> {
  const bigger = new Uint16Array(masks.length * 2);
  bigger.set(masks);
  return bigger;
}
