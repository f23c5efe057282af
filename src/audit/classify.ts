/**
 * The pure rules of the diff.
 * - An asset is an orphan when no reading names it and no ignore glob matches it. An asset is
 *   (resource type, delivery type, public_id): a reading that states both types (a delivery URL,
 *   a CloudinaryField value) names only that asset; a bare id names every asset with that public_id
 *   (see ReferenceIndex.isProtected).
 * - A reference is missing only when every candidate has been shown absent from every partition
 *   it could live in, by a complete listing that covers it or by a lookup. Otherwise it is found
 *   or, if a check could not run, unverified.
 */
import picomatch from 'picomatch';
import type { AssetKey } from '../references/types.js';
import type { Partition } from '../storage/types.js';
import type { PartitionMasks } from './partitions.js';
import type { SlotCandidate } from './reference-index.js';
import type { Scope } from './result.js';

export function ignoreMatcher(globs: string[]): (publicId: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs, { dot: true });
}

/** Gives public_ids their slot numbers (the ReferenceIndex); ids without one are not tracked. */
export interface SlotResolver {
  slotOf(publicId: string): number | undefined;
}

/** What the ledger knows, in a form a checkpoint can hold and give back. */
export interface LedgerState {
  /** [public_id, partitions seen, partitions looked up] for every id with something known. */
  ids: Array<[string, number, number]>;
  /** [partition bit, prefix fully listed ('' = all of it)]. */
  listedFully: Array<[number, string]>;
}

/**
 * What is known about existence: where each id was seen, where its absence is proven (a lookup,
 * or a complete listing that covers it). Held as one partition mask per id slot, so a million
 * referenced ids cost a few megabytes. Given a resolver (the ReferenceIndex), ids it does not
 * know are never tracked and never reported absent; without one the ledger numbers ids itself.
 */
export class ExistenceLedger {
  private seen = new Uint16Array(1024);
  private looked = new Uint16Array(1024);
  private readonly own?: Map<string, number>;
  private readonly ownIds: string[] = [];
  /** Partitions listed fully without a prefix. */
  private fullMask = 0;
  private readonly prefixes: Array<[number, string]> = [];

  constructor(
    readonly masks: PartitionMasks,
    private readonly resolver?: SlotResolver,
  ) {
    if (!resolver) this.own = new Map();
  }

  private slot(publicId: string, add: boolean): number | undefined {
    if (!this.own) return this.resolver!.slotOf(publicId);
    let s = this.own.get(publicId);
    if (s === undefined && add) {
      s = this.ownIds.length;
      this.ownIds.push(publicId);
      this.own.set(publicId, s);
    }
    return s;
  }

  private grow(slot: number): void {
    if (slot < this.seen.length) return;
    let size = this.seen.length;
    while (size <= slot) size *= 2;
    const seen = new Uint16Array(size);
    seen.set(this.seen);
    const looked = new Uint16Array(size);
    looked.set(this.looked);
    this.seen = seen;
    this.looked = looked;
  }

  markSeen(resourceType: string, type: string, publicId: string): void {
    const s = this.slot(publicId, true);
    if (s !== undefined) this.markSeenSlot(s, this.masks.maskOf({ resourceType, type }));
  }

  markSeenSlot(slot: number, bits: number): void {
    this.grow(slot);
    this.seen[slot]! |= bits;
  }

  markListedFully(partition: Partition, prefix: string): void {
    const bit = this.masks.bit(partition);
    if (prefix === '') this.fullMask |= bit;
    else this.prefixes.push([bit, prefix]);
  }

  markLookedUp(partition: Partition, publicId: string): void {
    const s = this.slot(publicId, true);
    if (s !== undefined) this.markLookedUpSlot(s, this.masks.bit(partition));
  }

  markLookedUpSlot(slot: number, bits: number): void {
    this.grow(slot);
    this.looked[slot]! |= bits;
  }

  seenMask(slot: number): number {
    return this.seen[slot] ?? 0;
  }

  /** Partitions in which absence of this id is proven. */
  absentMask(slot: number | undefined, publicId: string): number {
    if (slot === undefined && !this.own) return 0;
    let m = this.fullMask | (slot === undefined ? 0 : (this.looked[slot] ?? 0));
    for (const [bit, prefix] of this.prefixes) if (publicId.startsWith(prefix)) m |= bit;
    return m & ~(slot === undefined ? 0 : (this.seen[slot] ?? 0));
  }

  exists(candidates: AssetKey[]): boolean {
    return candidates.some((c) => {
      const s = this.slot(c.publicId, false);
      return s !== undefined && (this.seenMask(s) & this.masks.maskOf(c)) !== 0;
    });
  }

  existsSlots(candidates: SlotCandidate[]): boolean {
    return candidates.some((c) => (this.seenMask(c.slot) & c.mask) !== 0);
  }

  /** Absence of this id in this partition is proven. */
  absentIn(partition: Partition, publicId: string): boolean {
    return (this.absentMask(this.slot(publicId, false), publicId) & this.masks.bit(partition)) !== 0;
  }

  /** Every (candidate, partition) pair is proven absent. */
  provenMissing(candidates: AssetKey[]): boolean {
    return candidates.every((c) => {
      const m = this.masks.maskOf(c);
      return (this.absentMask(this.slot(c.publicId, false), c.publicId) & m) === m;
    });
  }

  provenMissingSlots(candidates: SlotCandidate[], publicIdOf: (slot: number) => string): boolean {
    return candidates.every((c) => (this.absentMask(c.slot, publicIdOf(c.slot)) & c.mask) === c.mask);
  }

  /** Everything known, by public_id, for a checkpoint. */
  exportState(publicIdOf: (slot: number) => string, slots: number): LedgerState {
    const ids: LedgerState['ids'] = [];
    const n = this.own ? this.ownIds.length : Math.min(slots, this.seen.length);
    for (let s = 0; s < n; s++) {
      const seen = this.seen[s] ?? 0;
      const looked = this.looked[s] ?? 0;
      if (seen || looked) ids.push([this.own ? this.ownIds[s]! : publicIdOf(s), seen, looked]);
    }
    const listedFully: LedgerState['listedFully'] = [];
    for (const p of this.masks.list) if (this.fullMask & this.masks.bit(p)) listedFully.push([this.masks.bit(p), '']);
    listedFully.push(...this.prefixes);
    return { ids, listedFully };
  }

  importState(state: LedgerState): void {
    for (const [id, seen, looked] of state.ids) {
      const s = this.slot(id, true);
      if (s === undefined) continue;
      this.markSeenSlot(s, seen);
      this.markLookedUpSlot(s, looked);
    }
    for (const [bit, prefix] of state.listedFully) {
      if (prefix === '') this.fullMask |= bit;
      else this.prefixes.push([bit, prefix]);
    }
  }
}

export function inScope(candidates: AssetKey[], scope: Scope): boolean {
  return candidates.some(
    (c) =>
      (!scope.prefix || c.publicId.startsWith(scope.prefix)) &&
      (!c.resourceType || scope.resourceTypes.includes(c.resourceType)) &&
      (!c.type || scope.types.includes(c.type)),
  );
}

/** The partitions a scope lists, as a mask. */
export function scopeMask(scope: Scope, masks: PartitionMasks): number {
  let m = 0;
  for (const resourceType of scope.resourceTypes) for (const type of scope.types) m |= masks.bit({ resourceType, type });
  return m;
}

/** inScope for slot candidates: some candidate lies under the prefix and in a listed partition. */
export function slotsInScope(candidates: SlotCandidate[], scope: Scope, mask: number, publicIdOf: (slot: number) => string): boolean {
  return candidates.some((c) => (c.mask & mask) !== 0 && (!scope.prefix || publicIdOf(c.slot).startsWith(scope.prefix)));
}
