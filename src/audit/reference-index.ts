/**
 * Everything the database said, held for the diff: which public_ids are in use (protected from
 * being called orphans), which distinct requirements must be confirmed to exist, and the rows
 * behind them for the missing-assets section.
 */
import type { AssetKey } from '../references/types.js';
import { requirementKey } from './keys.js';

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
  empty: number;
  foreign: number;
  invalid: number;
}

export interface Sampled {
  count: number;
  samples: Array<{ source: string; recordId: string; value: string; reason: string }>;
}

export const SAMPLE_LIMIT = 20;

export class ReferenceIndex {
  readonly protectedIds = new Set<string>();
  readonly requirements = new Map<string, Requirement>();
  readonly rows: Array<{ row: ReferenceRow; requirement: string }> = [];
  readonly sources: SourceStats[] = [];
  readonly foreign: Sampled = { count: 0, samples: [] };
  readonly invalid: Sampled = { count: 0, samples: [] };

  startSource(name: string): SourceStats {
    const stats = { name, rows: 0, references: 0, empty: 0, foreign: 0, invalid: 0 };
    this.sources.push(stats);
    return stats;
  }

  addReference(stats: SourceStats, row: ReferenceRow, candidates: AssetKey[]): void {
    stats.references++;
    for (const c of candidates) this.protectedIds.add(c.publicId);
    const key = requirementKey(candidates);
    if (!this.requirements.has(key)) this.requirements.set(key, { candidates });
    this.rows.push({ row, requirement: key });
  }

  addUnrecognised(stats: SourceStats, kind: 'foreign' | 'invalid', row: ReferenceRow, reason: string): void {
    const bucket = kind === 'foreign' ? this.foreign : this.invalid;
    stats[kind]++;
    bucket.count++;
    if (bucket.samples.length < SAMPLE_LIMIT) {
      bucket.samples.push({ source: row.source, recordId: row.recordId, value: row.reference.slice(0, 300), reason });
    }
  }

  get referenceCount(): number {
    return this.rows.length;
  }
}
