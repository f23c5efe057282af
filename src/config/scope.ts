/** Turns detect's flags into a validated scan scope. Pure: every rule names the flag to fix. */
import { usageError } from '../errors.js';
import type { Scope } from '../audit/result.js';
import type { Partition } from '../storage/types.js';

export const DEFAULT_DAYS = 30;

export interface ScopeFlags {
  days?: string;
  all?: boolean;
  prefix?: string;
  resourceType?: string;
  type?: string;
  orphansOnly?: boolean;
  missingOnly?: boolean;
}

export function parseList<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T[] {
  if (value === undefined) return [...allowed];
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.length === 0) throw usageError(`${flag} needs at least one of: ${allowed.join(', ')}`);
  for (const item of items) {
    if (!allowed.includes(item as T)) throw usageError(`${flag}: unknown value "${item}"; use one or more of ${allowed.join(', ')} (comma-separated)`);
  }
  return [...new Set(items)] as T[];
}

export function parseCount(flag: string, value: string, { min = 1 }: { min?: number } = {}): number {
  const trimmed = value.trim();
  if (!/^-?\d+$/.test(trimmed)) throw usageError(`${flag} must be a whole number (got "${value}")`);
  const n = Number(trimmed);
  if (n < min) throw usageError(`${flag} must be at least ${min} (got ${n})`);
  return n;
}

/** The distinct words of one side of the backend's partitions, in partition order. */
const wordsOf = (partitions: readonly Partition[], side: keyof Partition): string[] => [...new Set(partitions.map((p) => p[side]))];

/**
 * --resource-type / --type, checked against the backend's own partitions. A store with one
 * partition (a folder, a bucket) has nothing to narrow: either flag is refused, saying so.
 */
function partitionScope(flags: ScopeFlags, partitions: readonly Partition[], backend: string): { resourceTypes: string[]; types: string[] } {
  const resourceTypes = wordsOf(partitions, 'resourceType');
  const types = wordsOf(partitions, 'type');
  if (partitions.length === 1) {
    const given = flags.resourceType !== undefined ? '--resource-type' : flags.type !== undefined ? '--type' : undefined;
    if (given) throw usageError(`${given}: the ${backend} backend keeps every file in one partition, so there is nothing to narrow; drop ${given} (use --prefix for a folder)`);
    return { resourceTypes, types };
  }
  return {
    resourceTypes: parseList('--resource-type', flags.resourceType, resourceTypes),
    types: parseList('--type', flags.type, types),
  };
}

export function buildScope(flags: ScopeFlags, now: Date, partitions: readonly Partition[], backend: string): Scope {
  if (flags.all && flags.days !== undefined) throw usageError('--all and --days contradict each other: use --all to scan everything, or --days N for recent uploads');
  if (flags.orphansOnly && flags.missingOnly) throw usageError('--orphans-only and --missing-only exclude each other: drop both to run both checks');
  const days = flags.all ? null : flags.days !== undefined ? parseCount('--days', flags.days) : DEFAULT_DAYS;
  const prefix = flags.prefix?.trim() || null;
  return {
    days,
    since: days === null ? null : new Date(now.getTime() - days * 86_400_000).toISOString(),
    prefix,
    ...partitionScope(flags, partitions, backend),
    orphans: !flags.missingOnly,
    missing: !flags.orphansOnly,
  };
}
