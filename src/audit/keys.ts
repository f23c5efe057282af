/** How asset keys are compared: one string per (resource type, delivery type, public_id). */
import type { AssetKey } from '../references/types.js';
import { DELIVERY_TYPES, RESOURCE_TYPES, type Partition } from '../storage/types.js';

export const assetKey = (resourceType: string, type: string, publicId: string): string => `${resourceType}/${type}/${publicId}`;

/** Lookups try the likeliest partitions first so a bare id is usually found in one call. */
export const LOOKUP_ORDER: Partition[] = DELIVERY_TYPES.flatMap((type) => RESOURCE_TYPES.map((resourceType) => ({ resourceType, type })));

/** Every partition an asset named by this key could live in. */
export function partitionsOf(key: AssetKey): Partition[] {
  return LOOKUP_ORDER.filter((p) => (!key.resourceType || key.resourceType === p.resourceType) && (!key.type || key.type === p.type));
}

export function requirementKey(candidates: AssetKey[]): string {
  return candidates
    .map((c) => `${c.resourceType ?? '*'}/${c.type ?? '*'}/${c.publicId}`)
    .sort()
    .join('\n');
}
