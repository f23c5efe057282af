/** A detect result with hostile user data (ids, titles, URLs) for the review page and GitHub summary tests. */
import type { MissingRow, OrphanRow } from '../../src/audit/result.js';
import type { DetectResult } from '../../src/audit/result.js';
import { detectResult } from '../support/result.js';

export const HOSTILE_ID = `evil/</script><script>alert("id")</script>'"&amp;`;
export const HOSTILE_TITLE = `Title </script><img src=x onerror=alert(1)> | [link](https://evil.example) <!--`;

const orphan = (publicId: string, extra: Partial<OrphanRow> = {}): OrphanRow => ({
  publicId,
  resourceType: 'image',
  type: 'upload',
  bytes: 2_097_152,
  format: 'jpg',
  uploadedAt: '2025-11-01T10:00:00Z',
  assetId: `a-${publicId.length}-${publicId.slice(0, 8)}`,
  url: `https://res.cloudinary.com/c/image/upload/v1/${publicId}.jpg`,
  ...extra,
});

const missing = (recordId: string, status: string, extra: Partial<MissingRow> = {}): MissingRow => ({
  source: 'posts',
  recordId,
  title: `Post ${recordId}`,
  author: 'ann',
  status,
  createdAt: '2025-10-01T00:00:00Z',
  recordUrl: `https://app.example/posts/${recordId}`,
  reference: `https://res.cloudinary.com/c/image/upload/v1/gone/${recordId}.jpg`,
  resourceType: 'image',
  type: 'upload',
  publicId: `gone/${recordId}`,
  ...extra,
});

export function reviewResult(overrides: Partial<DetectResult> = {}): DetectResult {
  const orphans = [
    orphan('banners/summer', { bytes: 5_242_880 }),
    orphan(HOSTILE_ID, { url: `https://res.cloudinary.com/c/image/upload/v1/evil/x.jpg` }),
    orphan('=cmd|calc', { bytes: 10 }),
    orphan('clips/intro', { resourceType: 'video', format: 'mp4', url: 'https://res.cloudinary.com/c/video/upload/v1/clips/intro.mp4' }),
    orphan('docs/manual.pdf', { resourceType: 'raw', format: '', url: 'https://res.cloudinary.com/c/raw/upload/v1/docs/manual.pdf' }),
    orphan('secret/plan', { type: 'private', url: 'https://res.cloudinary.com/c/image/private/v1/secret/plan.jpg' }),
  ];
  return detectResult({
    cloudName: 'c',
    scope: { days: null, since: null, prefix: null, resourceTypes: ['image', 'video', 'raw'], types: ['upload', 'private', 'authenticated'], orphans: true, missing: true },
    listing: { assets: 20, inScope: 20, partitions: [] },
    references: { rows: 12, references: 14, distinct: 14, sources: [], foreign: { count: 0, samples: [] }, invalid: { count: 0, samples: [] } },
    orphans,
    orphanBytes: orphans.reduce((n, o) => n + o.bytes, 0),
    valid: 14,
    missing: [
      missing('1', 'ACTIVE', { title: HOSTILE_TITLE, author: 'mallory, "the" author:%\r\nx', recordUrl: 'javascript:alert(1)' }),
      missing('2', 'DELETED'),
      missing('3', 'ACTIVE', { publicId: 'gone/a,b:c%d' }),
    ],
    api: { calls: 7, retries: 0, lookups: 1, listCalls: 6 },
    ...overrides,
  });
}
