/**
 * One run's partitions as bits: bit i stands for the backend's `partitions[i]`, and lookups try
 * them in that order. Built per run from `backend.partitions`, so the audit knows no backend's
 * words: Cloudinary's 3×3 gives 9-bit masks, a one-partition store (a folder, a bucket) 1-bit ones.
 */
import type { Partition } from '../storage/types.js';

/** Masks are held in Uint16Arrays and a requirement packs slot × 512 + mask (reference-index.ts). */
export const MAX_PARTITIONS = 9;

const keyOf = (resourceType: string, type: string): string => `${resourceType}/${type}`;

export class PartitionMasks {
  /** Every partition of the backend. */
  readonly all: number;
  private readonly bits = new Map<string, number>();

  constructor(readonly list: readonly Partition[]) {
    if (list.length === 0 || list.length > MAX_PARTITIONS) throw new Error(`a storage backend declares 1 to ${MAX_PARTITIONS} partitions (got ${list.length})`);
    list.forEach((p, i) => this.bits.set(keyOf(p.resourceType, p.type), 1 << i));
    if (this.bits.size !== list.length) throw new Error('a storage backend declares a partition twice');
    this.all = (1 << list.length) - 1;
  }

  /** The bit of one partition (0 for a partition the backend does not have). */
  bit(p: Partition): number {
    return this.bits.get(keyOf(p.resourceType, p.type)) ?? 0;
  }

  /** Every partition an asset named by this key could live in (an unset type: any). */
  maskOf(key: { resourceType?: string; type?: string }): number {
    let mask = 0;
    this.list.forEach((p, i) => {
      if ((!key.resourceType || key.resourceType === p.resourceType) && (!key.type || key.type === p.type)) mask |= 1 << i;
    });
    return mask;
  }

  partitionsOf(mask: number): Partition[] {
    return this.list.filter((_, i) => (mask & (1 << i)) !== 0);
  }

  /** The (resource type, type) a mask made by maskOf stands for; '' where any is allowed. */
  typesOf(mask: number): { resourceType: string; type: string } {
    const ps = this.partitionsOf(mask);
    const rts = new Set(ps.map((p) => p.resourceType));
    const types = new Set(ps.map((p) => p.type));
    return { resourceType: rts.size === 1 ? [...rts][0]! : '', type: types.size === 1 ? [...types][0]! : '' };
  }

  /** `image/private`, `video/*` (every type the backend has for it), joined by `, `: where a mask's partitions lie. */
  label(mask: number): string {
    const labels: string[] = [];
    for (const resourceType of new Set(this.list.map((p) => p.resourceType))) {
      const all = this.list.filter((p) => p.resourceType === resourceType);
      const types = all.filter((p) => (mask & this.bit(p)) !== 0).map((p) => p.type);
      if (types.length === all.length && all.length > 1) labels.push(`${resourceType}/*`);
      else for (const type of types) labels.push(keyOf(resourceType, type));
    }
    return labels.join(', ');
  }
}
