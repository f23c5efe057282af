/** One fixed DetectResult covering every report part (incomplete, orphans with a note, missing, unverified). */
import type { DetectResult } from '../../src/audit/result.js';
import { detectResult } from './result.js';

const missingRow = (id: string, status: string) => ({
  source: 'posts', recordId: id, title: `Post ${id}, "quoted"`, author: 'ann', status, createdAt: '2026-01-02T03:04:05Z', recordUrl: `https://app.example/posts/${id}`,
  reference: `https://res.cloudinary.com/demo/image/upload/v1/gone/${id}.jpg`, publicId: `gone/${id}`, resourceType: 'image', type: 'upload',
});

export const goldenResult = (overrides: Partial<DetectResult> = {}): DetectResult =>
  detectResult({
    cloudName: 'demo',
    complete: false,
    incompleteReason: 'the Admin API budget ran low (stopped at 95 %)',
    listing: { assets: 3, inScope: 3, partitions: [{ resourceType: 'image', type: 'upload', complete: true, pages: 1 }] as never },
    orphans: [
      { publicId: 'old/a b.jpg', resourceType: 'raw', type: 'upload', bytes: 1234, format: '', uploadedAt: '2025-01-01T00:00:00Z', assetId: 'aaa111', url: 'https://res.cloudinary.com/demo/raw/upload/v1/old/a%20b.jpg' },
      { publicId: '=cmd', resourceType: 'image', type: 'private', bytes: 2_500_000, format: 'png', uploadedAt: '2025-02-01T00:00:00Z', assetId: 'bbb222', url: '', note: 'public_id referenced as video/upload' },
    ],
    orphanBytes: 2_501_234,
    valid: 1,
    missing: [missingRow('7', 'ACTIVE')],
    unverified: [missingRow('9', 'DRAFT')],
    api: { calls: 4, retries: 1, lookups: 1, listCalls: 1, limit: 500, remaining: 20 },
    warnings: ['reference source "old" returned no rows'],
    ...overrides,
  });
