/**
 * The pure rules of the diff.
 * - An asset is an orphan when no reference of any kind names its public_id and no ignore glob
 *   matches it. Matching on public_id alone (not resource or delivery type) errs towards keeping.
 * - A reference is missing only when every candidate has been shown absent from every partition
 *   it could live in, by a complete listing that covers it or by a lookup. Otherwise it is found
 *   or, if a check could not run, unverified.
 */
import picomatch from 'picomatch';
import type { AssetKey } from '../references/types.js';
import { partitionKey, type Partition } from '../storage/types.js';
import { assetKey, partitionsOf } from './keys.js';
import type { Scope } from './result.js';

export function ignoreMatcher(globs: string[]): (publicId: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs, { dot: true });
}

/** What is known about existence: keys seen, and where absence is proven. */
export class ExistenceLedger {
  private readonly seen = new Set<string>();
  /** partition key → prefix fully listed ('' = whole partition). */
  private readonly listedFully = new Map<string, string[]>();
  private readonly lookedUp = new Set<string>();

  markSeen(resourceType: string, type: string, publicId: string): void {
    this.seen.add(assetKey(resourceType, type, publicId));
  }

  markListedFully(partition: Partition, prefix: string): void {
    const k = partitionKey(partition);
    this.listedFully.set(k, [...(this.listedFully.get(k) ?? []), prefix]);
  }

  markLookedUp(partition: Partition, publicId: string): void {
    this.lookedUp.add(assetKey(partition.resourceType, partition.type, publicId));
  }

  exists(candidates: AssetKey[]): boolean {
    return candidates.some((c) => partitionsOf(c).some((p) => this.seen.has(assetKey(p.resourceType, p.type, c.publicId))));
  }

  /** Absence of this id in this partition is proven. */
  absentIn(partition: Partition, publicId: string): boolean {
    if (this.seen.has(assetKey(partition.resourceType, partition.type, publicId))) return false;
    if (this.lookedUp.has(assetKey(partition.resourceType, partition.type, publicId))) return true;
    return (this.listedFully.get(partitionKey(partition)) ?? []).some((prefix) => publicId.startsWith(prefix));
  }

  /** Every (candidate, partition) pair is proven absent. */
  provenMissing(candidates: AssetKey[]): boolean {
    return candidates.every((c) => partitionsOf(c).every((p) => this.absentIn(p, c.publicId)));
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
