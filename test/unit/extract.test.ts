import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractReferences, referencesIn, unescapeText } from '../../src/storage/cloudinary/grammar/extract.js';
import type { AssetKey } from '../../src/references/types.js';
import type { ParseContext } from '../../src/storage/cloudinary/grammar/context.js';

const ctx: ParseContext = { cloudName: 'demo', hosts: ['images.example.com'] };
const RES = 'https://res.cloudinary.com/demo';
const I = (publicId: string): AssetKey => ({ publicId, resourceType: 'image', type: 'upload' });

/** All candidate ids (image/upload unless stated) of the asset references found. */
function idsOf(found: ReturnType<typeof extractReferences>): string[] {
  const out: string[] = [];
  for (const f of found) if (f.parsed.kind === 'asset') for (const k of f.parsed.candidates) out.push(k.publicId);
  return out;
}
const raws = (found: ReturnType<typeof extractReferences>): string[] => found.map((f) => f.raw);

describe('extractReferences: HTML', () => {
  it('finds src, srcset (several URLs with descriptors), href and poster', () => {
    const html = `<p>Hi</p><img src="${RES}/image/upload/v1/a.jpg" srcset="${RES}/image/upload/w_400/v1/b.jpg 400w, ${RES}/image/upload/w_800/v1/b.jpg 800w,${RES}/image/upload/w_1200/v1/c.jpg 2x" alt="x">
      <a href='${RES}/raw/upload/v1/docs/file.pdf'>pdf</a>
      <video poster="//res.cloudinary.com/demo/video/upload/so_1/v1/clip.jpg"><source src="${RES}/video/upload/v1/clip.mp4"></video>`;
    const found = extractReferences(html, ctx);
    expect(raws(found)).toEqual([
      `${RES}/image/upload/v1/a.jpg`,
      `${RES}/image/upload/w_400/v1/b.jpg`,
      `${RES}/image/upload/w_800/v1/b.jpg`,
      `${RES}/image/upload/w_1200/v1/c.jpg`,
      `${RES}/raw/upload/v1/docs/file.pdf`,
      '//res.cloudinary.com/demo/video/upload/so_1/v1/clip.jpg',
      `${RES}/video/upload/v1/clip.mp4`,
    ]);
    expect(found[4]!.parsed).toEqual({ kind: 'asset', candidates: [{ publicId: 'docs/file.pdf', resourceType: 'raw', type: 'upload' }] });
    expect(found[5]!.parsed).toEqual({ kind: 'asset', candidates: [{ publicId: 'clip', resourceType: 'video', type: 'upload' }] });
  });

  it('decodes HTML entities in attributes', () => {
    const html = `<img src="${RES}/image/upload/v1/a.jpg?x=1&amp;y=2"><img src="https:&#x2F;&#x2F;res.cloudinary.com&#x2F;demo&#x2F;image&#x2F;upload&#x2F;v1&#x2F;b.jpg">`;
    expect(idsOf(extractReferences(html, ctx))).toEqual(['a', 'b']);
  });

  it('keeps a raw space inside a quoted src as an extra whole reading', () => {
    const found = extractReferences(`<img src="${RES}/image/upload/v1/my photo.jpg">`, ctx);
    expect(idsOf(found)).toContain('my photo');
  });

  it('finds configured hosts, private CDN and protocol-relative URLs', () => {
    const html = `<img src="https://images.example.com/image/upload/v1/x.png"><img src="https://demo-res.cloudinary.com/image/upload/v1/y.png"><img src=//res-2.cloudinary.com/demo/image/upload/v1/z.png>`;
    expect(idsOf(extractReferences(html, ctx))).toEqual(['x', 'y', 'z']);
  });

  it('reports other clouds as foreign', () => {
    const found = extractReferences(`<img src="https://res.cloudinary.com/other/image/upload/v1/a.jpg">`, ctx);
    expect(found).toHaveLength(1);
    expect(found[0]!.parsed.kind).toBe('foreign');
  });
});

describe('extractReferences: CSS and Markdown', () => {
  it('finds url(...) quoted and unquoted', () => {
    const css = `.a{background:url(${RES}/image/upload/v1/bg1.jpg)} .b{background-image:url("${RES}/image/upload/v1/bg2.png")} .c{background:url('${RES}/image/upload/v1/bg3.webp') no-repeat}`;
    expect(idsOf(extractReferences(css, ctx))).toEqual(['bg1', 'bg2', 'bg3']);
  });

  it('finds images and links, with parentheses in ids and trailing punctuation', () => {
    const md = `# Title\n![hero](${RES}/image/upload/v1/hero_(1).jpg) and [the doc](${RES}/raw/upload/v1/docs/a.pdf).\nSee ${RES}/image/upload/v1/plain.png, or <${RES}/image/upload/v1/angle.jpg>!`;
    const found = extractReferences(md, ctx);
    expect(idsOf(found)).toEqual(['hero_(1)', 'docs/a.pdf', 'plain', 'angle']);
  });

  it('finds scheme-less URLs in plain text but not e-mail addresses', () => {
    const text = 'mail support@cloudinary.com; file at res.cloudinary.com/demo/image/upload/v1/a.jpg';
    expect(idsOf(extractReferences(text, ctx))).toEqual(['a']);
  });
});

describe('extractReferences: JSON', () => {
  it('walks objects and arrays: URLs, CloudinaryField strings, public_id keys', () => {
    const json = JSON.stringify({
      title: 'x',
      cover: `${RES}/image/upload/v1/cover.jpg`,
      image: 'image/upload/v1/a.jpg',
      gallery: [{ public_id: 'folder/x' }, { publicId: 'folder/y.png' }, { url: `${RES}/image/upload/v2/z.png` }],
      body: `<p><img src="${RES}/image/upload/v1/inline.jpg"></p>`,
      nested: JSON.stringify({ src: `${RES}/image/upload/v1/deep.jpg` }),
      note: 'folder/not-a-reference',
    });
    const found = extractReferences(json, ctx);
    expect(raws(found)).toEqual([
      `${RES}/image/upload/v1/cover.jpg`,
      'image/upload/v1/a.jpg',
      'folder/x',
      'folder/y.png',
      `${RES}/image/upload/v2/z.png`,
      `${RES}/image/upload/v1/inline.jpg`,
      `${RES}/image/upload/v1/deep.jpg`,
    ]);
    expect(found[3]!.parsed).toEqual({ kind: 'asset', candidates: [{ publicId: 'folder/y.png' }, { publicId: 'folder/y' }] });
  });

  it('reads escaped JSON text that is not valid JSON', () => {
    const text = `{"a":"https:\\/\\/res.cloudinary.com\\/demo\\/image\\/upload\\/v1\\/esc.jpg", "b":"https:\\u002F\\u002Fres.cloudinary.com\\u002Fdemo\\u002Fimage\\u002Fupload\\u002Fv1\\u002Fcaf\\u00e9.jpg", "c":"image/upload/v1/field.png", "public_id": "pid/1", broken`;
    const found = extractReferences(text, ctx);
    expect(idsOf(found)).toEqual(['esc', 'café', 'field', 'pid/1']);
  });

  it('reads double-encoded JSON (JSON inside a JSON string)', () => {
    const inner = JSON.stringify({ src: `${RES}/image/upload/v1/twice.jpg` });
    const outer = JSON.stringify({ payload: inner }).slice(0, -1); // make it invalid JSON
    expect(idsOf(extractReferences(outer, ctx))).toEqual(['twice']);
  });

  it('finds a Cloudinary URL percent-encoded in another URL', () => {
    const v = `<img src="/_next/image?url=https%3A%2F%2Fres.cloudinary.com%2Fdemo%2Fimage%2Fupload%2Fv1%2Fnext%2520img.jpg&amp;w=640&amp;q=75">`;
    const found = extractReferences(v, ctx);
    expect(idsOf(found)).toEqual(['next img']);
  });

  it('yields many references from one value and deduplicates repeats', () => {
    const urls = Array.from({ length: 30 }, (_, i) => `${RES}/image/upload/v1/p${i % 20}.jpg`);
    expect(extractReferences(JSON.stringify(urls), ctx)).toHaveLength(20);
  });

  it('ignores bare ids in free text and returns nothing fast for unrelated text', () => {
    expect(extractReferences('just folder/a.jpg here', ctx)).toEqual([]);
    expect(extractReferences('', ctx)).toEqual([]);
    expect(extractReferences(JSON.stringify({ a: 'b' }), ctx)).toEqual([]);
  });
});

describe('referencesIn', () => {
  it("'value' reads the whole value", () => {
    expect(referencesIn('my photo', ctx, 'value')).toEqual([{ raw: 'my photo', parsed: { kind: 'asset', candidates: [{ publicId: 'my photo' }] } }]);
  });

  it("'text' scans", () => {
    expect(referencesIn('my photo', ctx, 'text')).toEqual([]);
    expect(idsOf(referencesIn(`see ${RES}/image/upload/v1/a.jpg`, ctx, 'text'))).toEqual(['a']);
  });

  it("'auto' reads plain values as one value", () => {
    expect(referencesIn('folder/x', ctx, 'auto')).toEqual([{ raw: 'folder/x', parsed: { kind: 'asset', candidates: [{ publicId: 'folder/x' }] } }]);
    expect(idsOf(referencesIn(`${RES}/image/upload/v1/a.jpg`, ctx, 'auto'))).toEqual(['a']);
    expect(idsOf(referencesIn('image/upload/v1/a.jpg', ctx, 'auto'))).toEqual(['a']);
  });

  it("'auto' falls back to the value for bare ids with spaces or parentheses", () => {
    expect(referencesIn('my photo (1)', ctx, 'auto')).toEqual([{ raw: 'my photo (1)', parsed: { kind: 'asset', candidates: [{ publicId: 'my photo (1)' }] } }]);
    expect(idsOf(referencesIn('summer 2023/beach.jpg', ctx, 'auto'))).toEqual(['summer 2023/beach.jpg', 'summer 2023/beach']);
  });

  it("'auto' scans text, HTML and JSON", () => {
    expect(idsOf(referencesIn(`<img src="${RES}/image/upload/v1/a.jpg">`, ctx, 'auto'))).toEqual(['a']);
    expect(idsOf(referencesIn(`{"public_id":"x/y"}`, ctx, 'auto'))).toEqual(['x/y']);
    expect(referencesIn('<p>no images here</p>', ctx, 'auto')).toEqual([]);
    expect(referencesIn('{"a": 1}', ctx, 'auto')).toEqual([]);
  });

  it("'auto' reads a JSON array of strings item by item", () => {
    expect(idsOf(referencesIn('["a/b.jpg","c"]', ctx, 'auto'))).toEqual(['a/b.jpg', 'a/b', 'c']);
  });

  it("'auto' splits URL lists and keeps a URL with a raw space whole", () => {
    expect(idsOf(referencesIn(`${RES}/image/upload/v1/a.jpg,${RES}/image/upload/v1/b.jpg`, ctx, 'auto'))).toEqual(['a', 'b']);
    const found = referencesIn(`${RES}/image/upload/my photo.jpg`, ctx, 'auto');
    expect(found[0]!.parsed).toEqual({ kind: 'asset', candidates: [I('my photo')] });
  });

  it("'auto' finds a URL embedded in a local path", () => {
    expect(idsOf(referencesIn('/_next/image?url=https%3A%2F%2Fres.cloudinary.com%2Fdemo%2Fimage%2Fupload%2Fv1%2Fa.jpg&w=64', ctx, 'auto'))).toEqual(['a']);
  });
});

describe('unescapeText', () => {
  it('undoes JSON escapes and HTML entities', () => {
    expect(unescapeText('https:\\/\\/x\\u002Fy &amp; &#47; &#x2F; &quot;')).toBe('https://x/y & / / "');
  });
});

describe('extract: fuzz', () => {
  const tokens = fc.constantFrom(
    'https://', '//', 'res.cloudinary.com', 'images.example.com', '/demo', '/image/upload/', 'v1/', 'a.jpg', ' ', '"', "'", '(', ')', '<img src="',
    '">', '\\/', '\\u002F', '&amp;', '%2F', '%3A', '{"public_id":"', '"}', '[', ']', ',', 'image/upload/v1/x.png', '\n', '%', '&#x2F;', 'é',
  );
  it('never throws on random text or token soup', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.array(tokens, { maxLength: 60 }).map((t) => t.join(''))), fc.constantFrom('text', 'auto', 'value') as fc.Arbitrary<'text' | 'auto' | 'value'>, (s, mode) => {
        const found = referencesIn(s, ctx, mode);
        for (const f of found) {
          expect(typeof f.raw).toBe('string');
          expect(['asset', 'foreign', 'invalid']).toContain(f.parsed.kind);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('pathological texts stay fast (linear scanning)', () => {
    const inputs = [
      'cloudinary.com'.repeat(70_000),
      'https://res.cloudinary.com/'.repeat(40_000),
      `https://res.cloudinary.com/demo/image/upload/${'a'.repeat(1_000_000)}`,
      '%2F%2Fres.cloudinary.com%2F'.repeat(30_000),
      `"${'image/upload/'.repeat(80_000)}`,
      '\\u002F'.repeat(150_000) + 'cloudinary',
      '&amp;'.repeat(150_000) + 'cloudinary',
      '('.repeat(100_000) + 'https://res.cloudinary.com/demo/image/upload/a.jpg' + ')'.repeat(100_000),
      `{"public_id":${' '.repeat(100_000)}`,
    ];
    // no speed assertion (the benchmark measures speed): a catastrophic regex would hit the timeout
    for (const s of inputs) {
      referencesIn(s, ctx, 'auto');
      extractReferences(s, ctx);
    }
  }, 60_000);
});
