import { describe, expect, it } from 'vitest';
import { orphanRecord, renderCsv } from '../../src/report/csv.js';
import { confirmedName, MAX_PAGE_ORPHANS, renderHtml, scriptJson } from '../../src/report/html.js';
import { thumbnailFor } from '../../src/report/html-thumbs.js';
import { readReport } from '../../src/report/read.js';
import { HOSTILE_ID, reviewResult } from './review-fixture.js';

const jsonBlock = (html: string, id: string): unknown => JSON.parse(new RegExp(`<script type="application/json" id="${id}">([^]*?)</script>`).exec(html)![1]!);

describe('review page', () => {
  const result = reviewResult();
  const html = renderHtml(result, { reportName: 'asset_detection_2026-01-01_000000' });

  it('holds no markup from user data: only its own three script elements, hostile values escaped', () => {
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('alert("id")</script>');
    expect(html).toContain('Title &lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    // a javascript: record URL is shown as text, never as a link
    expect(html).not.toMatch(/href="javascript/i);
    expect(html).toContain('<a href="https://app.example/posts/2" rel="noreferrer noopener">');
  });

  it('loads nothing from elsewhere but thumbnails', () => {
    expect(html).not.toMatch(/<link|<script[^>]+src=|<iframe|<object/i);
    expect(/<style>([^]*?)<\/style>/.exec(html)![1]).not.toMatch(/url\(|@import/i);
    expect(html).toContain("default-src 'none'");
  });

  it('embeds each orphan with its CSV record verbatim, and the frame delete reads as a report', () => {
    const data = jsonBlock(html, 'report-data') as { exportName: string; csvHead: string; csvTail: string };
    const orphans = jsonBlock(html, 'report-orphans') as string[][];
    expect(orphans.map((o) => o[0])).toEqual([...result.orphans].map((o) => o.publicId));
    expect(orphans.map((o) => o[7])).toEqual([...result.orphans].map((o) => orphanRecord(o)));
    const csv = renderCsv(result);
    for (const o of orphans) expect(csv).toContain(o[7]!);
    const exported = data.csvHead + orphans[1]![7] + orphans[2]![7] + data.csvTail;
    const parsed = readReport(exported);
    expect(parsed.orphans.map((o) => o.public_id)).toEqual([HOSTILE_ID, '=cmd|calc']);
    expect(parsed.missing).toEqual([]);
    expect(data.exportName).toBe(confirmedName('asset_detection_2026-01-01_000000'));
  });

  it('a media folder\'s page exports its own columns, read back as a folder\'s report', () => {
    const base = reviewResult();
    const local = {
      ...base,
      backend: 'local',
      cloudName: '/srv/app/media',
      orphans: base.orphans.slice().map((o, i) => ({ ...o, resourceType: 'file', type: 'local', assetId: `${o.publicId}@1:2:3`, format: i === 0 ? 'jpg' : 'pdf', url: `https://example.com/media/f${i}` })),
    };
    const page = renderHtml(local, { reportName: 'r' });
    expect(page).toContain('Orphan review — folder');
    const data = jsonBlock(page, 'report-data') as { csvHead: string; csvTail: string };
    const orphans = jsonBlock(page, 'report-orphans') as string[][];
    const parsed = readReport(data.csvHead + orphans[0]![7] + data.csvTail);
    expect(parsed.backend).toBe('local');
    expect(Object.keys(parsed.orphans[0]!)).toEqual(['path', 'size_bytes', 'size_mb', 'format', 'modified_at', 'url', 'line']);
    expect(parsed.orphans[0]!.path).toBe(local.orphans[0]!.publicId);
    // an image is previewed from its own URL; anything else gets no preview
    expect(orphans.slice(0, 2).map((o) => [o[5], o[6]])).toEqual([
      ['image', 'https://example.com/media/f0'],
      ['none', ''],
    ]);
  });

  it('says so at the top when the scan is incomplete, and the export keeps that line', () => {
    const partial = reviewResult({ complete: false, incompleteReason: 'rate limit <reached>' });
    const page = renderHtml(partial, { reportName: 'r' });
    expect(page).toContain('INCOMPLETE SCAN: rate limit &lt;reached&gt;');
    const data = jsonBlock(page, 'report-data') as { csvHead: string; csvTail: string };
    expect(readReport(data.csvHead + data.csvTail).incomplete).toBe('rate limit <reached>');
  });

  it('carries at most MAX_PAGE_ORPHANS and says how many the CSV has', () => {
    const many = reviewResult({ orphans: Array.from({ length: MAX_PAGE_ORPHANS + 5 }, (_, i) => ({ ...reviewResult().orphans.slice(0, 1)[0]!, publicId: `p/${i}` })) });
    const page = renderHtml(many, { reportName: 'r' });
    expect((jsonBlock(page, 'report-orphans') as unknown[]).length).toBe(MAX_PAGE_ORPHANS);
    expect(page).toContain(`first 100,000 of 100,005 orphans`);
  });

  it('escapes < and line separators in embedded JSON', () => {
    expect(scriptJson({ a: '</script><!--\u2028' })).toBe('{"a":"\\u003c/script>\\u003c!--\\u2028"}');
  });
});

describe('thumbnails', () => {
  const [image, , , video, raw, priv] = reviewResult().orphans;
  it('derives a small image on the delivery URL, a poster for video, placeholders otherwise', () => {
    expect(thumbnailFor(image!)).toEqual({ kind: 'image', url: 'https://res.cloudinary.com/c/image/upload/c_fill,w_160,h_160,f_auto,q_auto/v1/banners/summer.jpg' });
    expect(thumbnailFor(video!)).toEqual({ kind: 'image', url: 'https://res.cloudinary.com/c/video/upload/c_fill,w_160,h_160,q_auto/v1/clips/intro.jpg' });
    expect(thumbnailFor(raw!)).toEqual({ kind: 'raw' });
    expect(thumbnailFor(priv!)).toEqual({ kind: 'private' });
    expect(thumbnailFor({ ...image!, url: 'javascript:alert(1)//image/upload/x' })).toEqual({ kind: 'none' });
  });
  it('uses a signed URL for private assets only when a signer is given, on the report host', () => {
    const signer = () => 'https://res.cloudinary.com/c/image/private/s--abcdefgh--/c_fill,w_160,h_160,f_auto,q_auto/secret/plan.jpg';
    expect(thumbnailFor({ ...priv!, url: 'http://127.0.0.1:9/c/image/private/v1/secret/plan.jpg' }, signer)).toEqual({
      kind: 'image',
      url: 'http://127.0.0.1:9/c/image/private/s--abcdefgh--/c_fill,w_160,h_160,f_auto,q_auto/secret/plan.jpg',
    });
  });
});
