/** A DetectResult built by hand, for renderer tests: every field present, overrides on top. */
import type { DetectResult } from '../../src/audit/result.js';

export function detectResult(overrides: Partial<DetectResult> = {}): DetectResult {
  return {
    tool: { name: 'asset-audit', version: 'test' },
    cloudName: 'c',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    scope: { days: null, since: null, prefix: null, resourceTypes: ['image'], types: ['upload'], orphans: true, missing: true },
    complete: true,
    listing: { assets: 0, inScope: 0, partitions: [] },
    references: { rows: 0, references: 0, distinct: 0, sources: [], foreign: { count: 0, samples: [] }, invalid: { count: 0, samples: [] } },
    orphans: [],
    orphanBytes: 0,
    valid: 0,
    ignored: 0,
    missing: [],
    unverified: [],
    outOfScope: 0,
    api: { calls: 0, retries: 0, lookups: 0, listCalls: 0 },
    warnings: [],
    ...overrides,
  } as DetectResult;
}
