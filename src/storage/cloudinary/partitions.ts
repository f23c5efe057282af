/**
 * Cloudinary's partitions: three delivery types × three resource types, every asset in exactly
 * one, in lookup order (the likeliest first, so a bare id is usually found in one call). The
 * existence ledger's 9-bit masks (audit/keys.ts) give bit i to the i-th of these.
 */
import { DELIVERY_TYPES, RESOURCE_TYPES, type Partition } from '../types.js';

export const CLOUDINARY_PARTITIONS: readonly Partition[] = DELIVERY_TYPES.flatMap((type) => RESOURCE_TYPES.map((resourceType) => ({ resourceType, type })));
