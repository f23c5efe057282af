/**
 * How asset keys are compared: one string per (resource type, delivery type, public_id), and, for
 * the compact index, one bit per partition so "which partitions could hold it / were ruled out"
 * is a 9-bit mask instead of a set of strings.
 */
import type { AssetKey } from '../references/types.js';
import { DELIVERY_TYPES, RESOURCE_TYPES, type Partition } from '../storage/types.js';

export const assetKey = (resourceType: string, type: string, publicId: string): string => `${resourceType}/${type}/${publicId}`;

/** Lookups try the likeliest partitions first so a bare id is usually found in one call. */
export const LOOKUP_ORDER: Partition[] = DELIVERY_TYPES.flatMap((type) => RESOURCE_TYPES.map((resourceType) => ({ resourceType, type })));

/** Bit i stands for LOOKUP_ORDER[i]. */
export const ALL_PARTITIONS_MASK = (1 << LOOKUP_ORDER.length) - 1;

export function partitionBit(p: Partition): number {
  return 1 << (DELIVERY_TYPES.indexOf(p.type) * RESOURCE_TYPES.length + RESOURCE_TYPES.indexOf(p.resourceType));
}

/** Every partition an asset named by this key could live in. */
export function partitionsOf(key: AssetKey): Partition[] {
  return LOOKUP_ORDER.filter((p) => (!key.resourceType || key.resourceType === p.resourceType) && (!key.type || key.type === p.type));
}

export function maskOf(key: { resourceType?: string; type?: string }): number {
  let mask = 0;
  for (const p of LOOKUP_ORDER) {
    if ((!key.resourceType || key.resourceType === p.resourceType) && (!key.type || key.type === p.type)) mask |= partitionBit(p);
  }
  return mask;
}

export function partitionsOfMask(mask: number): Partition[] {
  return LOOKUP_ORDER.filter((p) => (mask & partitionBit(p)) !== 0);
}

/** The (resource type, type) a mask made by maskOf stands for; '' where any is allowed. */
export function typesOfMask(mask: number): { resourceType: string; type: string } {
  const ps = partitionsOfMask(mask);
  const rts = new Set(ps.map((p) => p.resourceType));
  const types = new Set(ps.map((p) => p.type));
  return { resourceType: rts.size === 1 ? [...rts][0]! : '', type: types.size === 1 ? [...types][0]! : '' };
}

export function requirementKey(candidates: AssetKey[]): string {
  return candidates
    .map((c) => `${c.resourceType ?? '*'}/${c.type ?? '*'}/${c.publicId}`)
    .sort()
    .join('\n');
}

/** `image/private`, `video/*` (every delivery type of it), joined by `, `: where a mask's partitions lie. */
export function maskLabel(mask: number): string {
  const labels: string[] = [];
  for (const resourceType of RESOURCE_TYPES) {
    const types = DELIVERY_TYPES.filter((type) => (mask & partitionBit({ resourceType, type })) !== 0);
    if (types.length === DELIVERY_TYPES.length) labels.push(`${resourceType}/*`);
    else for (const type of types) labels.push(`${resourceType}/${type}`);
  }
  return labels.join(', ');
}
