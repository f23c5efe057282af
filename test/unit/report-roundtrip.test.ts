import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DetectResult, OrphanRow } from '../../src/audit/result.js';
import { renderCsv } from '../../src/report/csv.js';
import { readReport, ReportFormatError } from '../../src/report/read.js';
import { detectResult } from '../support/result.js';

function resultWith(orphans: OrphanRow[], missingTitles: string[] = []): DetectResult {
  return detectResult({
    listing: { assets: orphans.length, inScope: orphans.length, partitions: [] },
    orphans,
    missing: missingTitles.map((title, i) => ({
      source: 's', recordId: String(i), title, author: title, status: 'ACTIVE', createdAt: '', recordUrl: '', reference: title, publicId: title, resourceType: '', type: '',
    })),
  });
}

const orphan = (publicId: string): OrphanRow => ({
  publicId, resourceType: 'image', type: 'upload', bytes: 10, format: 'jpg', uploadedAt: '2026-01-01T00:00:00Z', assetId: 'a', url: 'https://res.cloudinary.com/c/image/upload/x.jpg',
});

describe('hostile values survive the report round trip exactly', () => {
  it.each([
    ['comma,inside'],
    ['"quoted" id'],
    ['multi\nline\r\nid'],
    ['=HYPERLINK("http://evil")'],
    ['+cmd|calc'],
    ['-2+3'],
    ['@SUM(A1)'],
    ["'already quoted"],
    ['\tTabbed'],
    ['ünïcödé/日本語/😀'],
    ['<script>alert(1)</script>'],
    ['x'.repeat(5000)],
  ])('%j', (id) => {
    const text = renderCsv(resultWith([orphan(id)], [id]));
    const parsed = readReport(text);
    expect(parsed.orphans[0]!.public_id).toBe(id);
    expect(parsed.missing[0]!.title).toBe(id);
    // no cell a spreadsheet would run as a formula
    expect(text).not.toMatch(/(^|,)[=+\-@]/m);
  });

  it('any string', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', minLength: 1 }), { maxLength: 5 }), (ids) => {
        const unique = [...new Set(ids.filter((s) => !s.includes('\u0000')))];
        const parsed = readReport(renderCsv(resultWith(unique.map(orphan))));
        expect(parsed.orphans.map((o) => o.public_id)).toEqual(unique);
      }),
      { numRuns: 300 },
    );
  });
});

describe('the orphan note column', () => {
  it('is the last orphan column and round-trips, empty where there is nothing to say', () => {
    const noted = { ...orphan('contracts/c_x'), note: 'public_id referenced as image/private' };
    const text = renderCsv(resultWith([noted, orphan('plain')]));
    expect(text.split('\n')[1]).toBe('public_id,resource_type,type,size_bytes,size_mb,format,uploaded_at,cloudinary_url,asset_id,note');
    const parsed = readReport(text);
    expect(parsed.orphans.map((o) => [o.public_id, o.asset_id, o.note])).toEqual([
      ['contracts/c_x', 'a', 'public_id referenced as image/private'],
      ['plain', 'a', ''],
    ]);
  });

  it('a report written before the column is still read, with an empty note', () => {
    const text = renderCsv(resultWith([orphan('old/one')])).replace(',asset_id,note\n', ',asset_id\n').replace(/,a,\n/, ',a\n');
    const parsed = readReport(text);
    expect(parsed.orphans.map((o) => [o.public_id, o.asset_id, o.note])).toEqual([['old/one', 'a', '']]);
  });

  it('a row without its note cell under the new header is refused', () => {
    const text = renderCsv(resultWith([orphan('cut')])).replace(/,a,\n/, ',a\n');
    expect(() => readReport(text)).toThrow(/line 3: expected 10 cells, found 9/);
  });
});

describe('the report reader never crashes or hangs on garbage', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
        try {
          readReport(Buffer.from(bytes).toString('utf8'));
        } catch (err) {
          expect(err).toBeInstanceOf(ReportFormatError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('random CSV around the real titles', () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('ORPHANED CLOUDINARY FILES', 'RECORDS WITH MISSING ASSETS', 'public_id', '"', '\n', ''));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { maxLength: 10 }), { maxLength: 30 }), (rows) => {
        const text = rows.map((r) => r.join(',')).join('\n');
        try {
          readReport(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ReportFormatError);
        }
      }),
      { numRuns: 500 },
    );
  });
});
