/**
 * Cloudinary's partitions: three delivery types × three resource types, every asset in exactly
 * one, in lookup order (the likeliest first, so a bare id is usually found in one call). The
 * audit's masks (src/audit/partitions.ts) give bit i to the i-th of these.
 */
import type { Partition } from '../types.js';

export const RESOURCE_TYPES = ['image', 'video', 'raw'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const DELIVERY_TYPES = ['upload', 'private', 'authenticated'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

export const CLOUDINARY_PARTITIONS: readonly Partition[] = DELIVERY_TYPES.flatMap((type) => RESOURCE_TYPES.map((resourceType) => ({ resourceType, type })));
