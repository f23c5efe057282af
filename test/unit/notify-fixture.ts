import type { DetectResult, MissingRow, OrphanRow } from '../../src/audit/result.js';
import { detectResult } from '../support/result.js';

export function orphan(i: number): OrphanRow {
  return { publicId: `prompts/orphan_${i}`, resourceType: 'image', type: 'upload', bytes: 1_048_576 * (i + 1), format: 'jpg', uploadedAt: '2025-09-15T14:30:00Z', assetId: `a${i}`, url: `https://res.cloudinary.com/c/image/upload/prompts/orphan_${i}.jpg` };
}

export function missing(i: number, status = 'ACTIVE', title = `Prompt ${i}`): MissingRow {
  return { source: 'prompts', recordId: String(i), title, author: 'alice', status, createdAt: '2025-10-01', recordUrl: `https://example.com/prompt/${i}/`, reference: `prompts/gone_${i}`, publicId: `prompts/gone_${i}`, resourceType: 'image', type: 'upload' };
}

/** A realistic run (the seed's sample email): two orphans, one ACTIVE and one DELETED missing record. */
export function result(over: Partial<DetectResult> = {}): DetectResult {
  const orphans = [...(over.orphans ?? [orphan(0), orphan(1)])];
  return detectResult({
    tool: { name: 'asset-audit', version: '0.1.0' },
    cloudName: 'acme',
    startedAt: '2025-10-13T01:00:00.000Z',
    finishedAt: '2025-10-13T01:00:18.500Z',
    durationMs: 18_500,
    scope: { days: 30, since: '2025-09-13T01:00:00.000Z', prefix: null, resourceTypes: ['image', 'video', 'raw'], types: ['upload', 'private', 'authenticated'], orphans: true, missing: true },
    listing: { assets: 257, inScope: 257, partitions: [] },
    references: { rows: 257, references: 257, distinct: 255, sources: [], foreign: { count: 0, samples: [] }, invalid: { count: 0, samples: [] } },
    orphans,
    orphanBytes: orphans.reduce((n, o) => n + o.bytes, 0),
    valid: 255,
    missing: [missing(123), missing(456, 'DELETED')],
    api: { calls: 5, retries: 0, limit: 500, remaining: 495, lookups: 1, listCalls: 4 },
    ...over,
  });
}
