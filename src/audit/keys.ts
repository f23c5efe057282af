/**
 * How a set of candidates is compared: one string per (resource type, type, public_id). Which
 * partitions a key could lie in is a mask of the run's partitions (src/audit/partitions.ts).
 */
import type { AssetKey } from '../references/types.js';

export function requirementKey(candidates: AssetKey[]): string {
  return candidates
    .map((c) => `${c.resourceType ?? '*'}/${c.type ?? '*'}/${c.publicId}`)
    .sort()
    .join('\n');
}
