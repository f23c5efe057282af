/**
 * The S3 reference grammar as a table: each stored form, what it names (the candidate keys, any of
 * which makes the reference present), or that it must not resolve (another bucket, another
 * service, outside the configured prefix).
 */
import { describe, expect, it } from 'vitest';
import { s3Grammar } from '../../src/storage/s3/grammar/index.js';
import type { ReferenceGrammar } from '../../src/storage/backend.js';
import type { ParsedReference } from '../../src/references/types.js';

const aws = s3Grammar({ bucket: 'media-prod', hosts: ['d111111abcdef8.cloudfront.net', 'https://f004.backblazeb2.com/file/media-prod/'] });
const prefixed = s3Grammar({ bucket: 'media-prod', prefix: 'media', hosts: ['cdn.example.com'] });
const minio = s3Grammar({ bucket: 'media-prod', endpoint: 'http://minio.local:9000' });
const dotted = s3Grammar({ bucket: 'assets.example.com' });

type Expect = string[] | 'foreign' | 'foreign-no-asset' | 'invalid';

const read = (g: ReferenceGrammar, value: string): ParsedReference => {
  const found = g.referencesIn(value, 'value');
  expect(found).toHaveLength(1);
  return found[0]!.parsed;
};

const outcome = (p: ParsedReference): Expect =>
  p.kind === 'asset' ? p.candidates.map((c) => c.publicId) : p.kind === 'invalid' ? 'invalid' : p.noAsset ? 'foreign-no-asset' : 'foreign';

const TABLE: Array<[string, ReferenceGrammar, string, Expect]> = [
  // s3:// URIs
  ['s3 URI', aws, 's3://media-prod/uploads/a.jpg', ['uploads/a.jpg']],
  ['s3 URI, key with spaces (unencoded, AWS CLI form)', aws, 's3://media-prod/my photos/a b.jpg', ['my photos/a b.jpg']],
  ['s3 URI, encoded-looking key read both ways', aws, 's3://media-prod/a%20b.jpg', ['a%20b.jpg', 'a b.jpg']],
  ['s3 URI of another bucket', aws, 's3://media-staging/uploads/a.jpg', 'foreign-no-asset'],
  ['s3 URI of the bucket alone', aws, 's3://media-prod/', 'foreign-no-asset'],
  ['s3 URI, bucket name is a prefix of ours', aws, 's3://media/uploads/a.jpg', 'foreign-no-asset'],
  // virtual-hosted AWS URLs
  ['virtual-hosted, legacy global', aws, 'https://media-prod.s3.amazonaws.com/uploads/a.jpg', ['uploads/a.jpg']],
  ['virtual-hosted, regional', aws, 'https://media-prod.s3.eu-west-1.amazonaws.com/uploads/a.jpg', ['uploads/a.jpg']],
  ['virtual-hosted, legacy dash region', aws, 'https://media-prod.s3-eu-west-1.amazonaws.com/uploads/a.jpg', ['uploads/a.jpg']],
  ['virtual-hosted, dual-stack', aws, 'https://media-prod.s3.dualstack.us-east-2.amazonaws.com/a.jpg', ['a.jpg']],
  ['virtual-hosted, accelerate', aws, 'https://media-prod.s3-accelerate.amazonaws.com/a.jpg', ['a.jpg']],
  ['virtual-hosted, website endpoint', aws, 'http://media-prod.s3-website-us-east-1.amazonaws.com/a.jpg', ['a.jpg']],
  ['virtual-hosted, China partition', aws, 'https://media-prod.s3.cn-north-1.amazonaws.com.cn/a.jpg', ['a.jpg']],
  ['virtual-hosted, protocol-relative', aws, '//media-prod.s3.amazonaws.com/a.jpg', ['a.jpg']],
  ['virtual-hosted, upper-case host', aws, 'https://MEDIA-PROD.S3.AMAZONAWS.COM/a.jpg', ['a.jpg']],
  ['virtual-hosted, percent-encoded key', aws, 'https://media-prod.s3.amazonaws.com/my%20photos/%C3%A9t%C3%A9.jpg', ['my photos/été.jpg']],
  ['virtual-hosted, + read as + and as space', aws, 'https://media-prod.s3.amazonaws.com/a+b.jpg', ['a+b.jpg', 'a b.jpg']],
  ['virtual-hosted, %2B is a plus only', aws, 'https://media-prod.s3.amazonaws.com/a%2Bb.jpg', ['a+b.jpg']],
  ['virtual-hosted, bucket with dots', dotted, 'https://assets.example.com.s3.amazonaws.com/a.jpg', ['a.jpg']],
  ['virtual-hosted, another bucket', aws, 'https://media-staging.s3.amazonaws.com/uploads/a.jpg', 'foreign-no-asset'],
  ['virtual-hosted, bucket name ends like ours', aws, 'https://old-media-prod.s3.amazonaws.com/a.jpg', 'foreign-no-asset'],
  ['virtual-hosted, bucket root', aws, 'https://media-prod.s3.amazonaws.com/', 'foreign-no-asset'],
  // path-style AWS URLs
  ['path-style, legacy global', aws, 'https://s3.amazonaws.com/media-prod/uploads/a.jpg', ['uploads/a.jpg']],
  ['path-style, regional', aws, 'https://s3.eu-central-1.amazonaws.com/media-prod/uploads/a.jpg', ['uploads/a.jpg']],
  ['path-style, legacy dash region', aws, 'https://s3-us-west-2.amazonaws.com/media-prod/a.jpg', ['a.jpg']],
  ['path-style, dual-stack', aws, 'https://s3.dualstack.eu-west-1.amazonaws.com/media-prod/a.jpg', ['a.jpg']],
  ['path-style, another bucket', aws, 'https://s3.amazonaws.com/media-staging/a.jpg', 'foreign-no-asset'],
  ['path-style, bucket alone', aws, 'https://s3.amazonaws.com/media-prod', 'foreign-no-asset'],
  // presigned and other queries
  ['presigned URL: query dropped', aws, 'https://media-prod.s3.amazonaws.com/a.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20260101&X-Amz-Signature=abc123', ['a.jpg']],
  ['legacy presigned URL: query dropped', aws, 'https://s3.amazonaws.com/media-prod/a.jpg?AWSAccessKeyId=AKIA&Expires=1&Signature=xyz', ['a.jpg']],
  ['versionId query and fragment dropped', aws, 'https://media-prod.s3.amazonaws.com/a.jpg?versionId=3HL4kqtJ#top', ['a.jpg']],
  // CDN hosts (storage.hosts)
  ['CloudFront host: path is the key', aws, 'https://d111111abcdef8.cloudfront.net/uploads/a.jpg', ['uploads/a.jpg']],
  ['CDN host with a path prefix stripped', aws, 'https://f004.backblazeb2.com/file/media-prod/uploads/a.jpg', ['uploads/a.jpg']],
  ['CDN host, other path', aws, 'https://f004.backblazeb2.com/file/other-bucket/a.jpg', 'foreign'],
  ['CDN host under a prefix: key or key below the prefix', prefixed, 'https://cdn.example.com/media/a.jpg', ['media/a.jpg', 'media/media/a.jpg']],
  ['CDN host under a prefix: origin path', prefixed, 'https://cdn.example.com/a.jpg', ['media/a.jpg']],
  ['unlisted host', aws, 'https://images.example.org/uploads/a.jpg', 'foreign'],
  // a configured prefix (django-storages AWS_LOCATION)
  ['prefix: full key', prefixed, 'media/uploads/a.jpg', ['media/uploads/a.jpg', 'media/media/uploads/a.jpg']],
  ['prefix: key relative to the prefix', prefixed, 'uploads/a.jpg', ['media/uploads/a.jpg']],
  ['prefix: URL of a key outside it', prefixed, 'https://media-prod.s3.amazonaws.com/static/app.css', 'foreign-no-asset'],
  ['prefix: URL of a key under it', prefixed, 'https://media-prod.s3.amazonaws.com/media/a.jpg', ['media/a.jpg']],
  ['prefix: s3 URI outside it', prefixed, 's3://media-prod/static/app.css', 'foreign-no-asset'],
  // bare keys (Active Storage blob keys, django FileField names)
  ['bare key (Active Storage blob key)', aws, 'xk2lq8v0b1c9z7m3n5p4r6t8', ['xk2lq8v0b1c9z7m3n5p4r6t8']],
  ['bare key with folders', aws, 'uploads/2024/05/a.jpg', ['uploads/2024/05/a.jpg']],
  ['bare path with a leading slash', aws, '/uploads/a.jpg', ['uploads/a.jpg', '/uploads/a.jpg']],
  ['bare key with a colon is a key, not a scheme', aws, 'reports/2024:q1.pdf', ['reports/2024:q1.pdf']],
  ['bare key with spaces (FileField name)', aws, 'docs/Annual Report.pdf', ['docs/Annual Report.pdf']],
  ['bare key with brackets', aws, 'docs/a(1).jpg', ['docs/a(1).jpg']],
  ['bare key percent-encoded: as written and decoded', aws, 'uploads/my%20photo.jpg', ['uploads/my%20photo.jpg', 'uploads/my photo.jpg']],
  ['bare key with a line break', aws, 'a\nb.jpg', 'invalid'],
  ['key longer than S3 allows', aws, 'k'.repeat(1025), 'foreign-no-asset'],
  ['data URI', aws, 'data:image/png;base64,AAAA', 'foreign-no-asset'],
  ['another scheme', aws, 'ftp://media-prod/a.jpg', 'foreign-no-asset'],
  ['not a URL at all', aws, 'https://', 'invalid'],
  // a custom endpoint (MinIO, R2, Spaces, B2)
  ['endpoint path-style', minio, 'http://minio.local:9000/media-prod/uploads/a.jpg', ['uploads/a.jpg']],
  ['endpoint virtual-hosted', minio, 'http://media-prod.minio.local:9000/uploads/a.jpg', ['uploads/a.jpg']],
  ['endpoint, another bucket (path)', minio, 'http://minio.local:9000/media-staging/a.jpg', 'foreign-no-asset'],
  ['endpoint, another bucket (virtual)', minio, 'http://other.minio.local:9000/a.jpg', 'foreign-no-asset'],
  ['endpoint, same host on another port', minio, 'http://minio.local:9001/media-prod/a.jpg', 'foreign'],
  ['endpoint: an AWS URL of the same bucket name is another service (protected only)', minio, 'https://media-prod.s3.amazonaws.com/a.jpg', 'foreign'],
  ['endpoint: an AWS URL of another bucket', minio, 'https://other.s3.amazonaws.com/a.jpg', 'foreign-no-asset'],
];

describe('S3 reference grammar', () => {
  it('has at least 40 cases, some of which must not resolve', () => {
    expect(TABLE.length).toBeGreaterThanOrEqual(40);
    expect(TABLE.filter(([, , , e]) => !Array.isArray(e)).length).toBeGreaterThanOrEqual(15);
  });

  it.each(TABLE)('%s', (_name, grammar, value, expected) => {
    expect(outcome(read(grammar, value))).toEqual(expected);
  });

  it('finds URLs in text, JSON-escaped, entity-encoded and nested in another URL; skips unrelated ones', () => {
    const text = [
      '<img src="https://media-prod.s3.amazonaws.com/a.jpg" srcset="//d111111abcdef8.cloudfront.net/b.jpg 2x">',
      '{"url":"https:\\/\\/s3.amazonaws.com\\/media-prod\\/c.jpg"}',
      'see https://example.org/x.jpg and s3://media-prod/d.pdf.',
      '<a href="https://media-prod.s3.amazonaws.com/e.jpg?X-Amz-Signature=sekret&amp;X-Amz-Expires=60">',
      '/_next/image?url=https%3A%2F%2Fmedia-prod.s3.amazonaws.com%2Ff%20g.jpg&w=640',
      's3://media-staging/elsewhere.jpg',
      '<img src="/uploads/h%20i.jpg?v=2"> <a href=\'/j.pdf\'>',
    ].join('\n');
    const found = aws.referencesIn(text, 'text');
    const read = (f: (typeof found)[number]) => [f.raw, outcome(f.parsed), f.parsed.kind === 'asset' && f.parsed.protectOnly ? 'protect-only' : 'reference'];
    expect(found.map(read)).toEqual([
      ['https://media-prod.s3.amazonaws.com/a.jpg', ['a.jpg'], 'reference'],
      ['//d111111abcdef8.cloudfront.net/b.jpg', ['b.jpg'], 'reference'],
      ['https://s3.amazonaws.com/media-prod/c.jpg', ['c.jpg'], 'reference'],
      // a host nobody listed may be a custom domain: its path protects, never requires
      ['https://example.org/x.jpg', ['x.jpg'], 'protect-only'],
      ['s3://media-prod/d.pdf', ['d.pdf'], 'reference'],
      // the signature is a credential: the reference is reported without the query
      ['https://media-prod.s3.amazonaws.com/e.jpg', ['e.jpg'], 'reference'],
      ['s3://media-staging/elsewhere.jpg', 'foreign-no-asset', 'reference'],
      // host-less paths in HTML attributes (a proxy of the bucket) protect too
      ['/uploads/h%20i.jpg?v=2', ['uploads/h i.jpg'], 'protect-only'],
      ['/j.pdf', ['j.pdf'], 'protect-only'],
      ['https://media-prod.s3.amazonaws.com/f g.jpg', ['f g.jpg'], 'reference'],
    ]);
    expect(found.some((f) => f.raw.includes('sekret'))).toBe(false);
  });

  // host-less paths in text: a proxy of the bucket may serve them, so each protects, never requires
  const found = (text: string) => aws.referencesIn(text, 'text').map((f) => [f.raw, outcome(f.parsed), f.parsed.kind === 'asset' && f.parsed.protectOnly ? 'protect-only' : 'reference']);
  const HOSTLESS: Array<[string, string, Array<[string, string[]]>]> = [
    ['srcset with density descriptors', '<img srcset="/media/a.jpg 1x, /media/b.jpg 2x">', [['/media/a.jpg', ['media/a.jpg']], ['/media/b.jpg', ['media/b.jpg']]]],
    ['srcset with widths, no space after commas', "<img srcset='/m/a.jpg 640w,/m/b.jpg 1280w'>", [['/m/a.jpg', ['m/a.jpg']], ['/m/b.jpg', ['m/b.jpg']]]],
    ['srcset without descriptors', '<source srcset="/m/a.webp, /m/b.webp">', [['/m/a.webp', ['m/a.webp']], ['/m/b.webp', ['m/b.webp']]]],
    ['data-srcset, a comma inside a path', '<img data-srcset="/m/w_100,h_100/a.jpg 1x">', [['/m/w_100,h_100/a.jpg', ['m/w_100,h_100/a.jpg']]]],
    ['src with a raw space: whole and first piece', '<img src="/media/my photo.jpg">', [['/media/my photo.jpg', ['media/my photo.jpg']], ['/media/my', ['media/my']]]],
    ['Markdown image', '![x](/media/a.jpg)', [['/media/a.jpg', ['media/a.jpg']]]],
    ['Markdown link with a title', 'see [the report](/docs/r.pdf "Report").', [['/docs/r.pdf', ['docs/r.pdf']]]],
    ['Markdown target with brackets', '![x](/docs/a(1).jpg)', [['/docs/a(1).jpg', ['docs/a(1).jpg']]]],
    ['Markdown target in angle brackets, with a space', '![x](</media/my photo.jpg>)', [['/media/my photo.jpg', ['media/my photo.jpg']]]],
    ['CSS url() unquoted', '<div style="background: url(/media/bg.jpg) no-repeat">', [['/media/bg.jpg', ['media/bg.jpg']]]],
    ['CSS url() quoted, with a space', ".hero { background-image: url('/media/hero image.png'); }", [['/media/hero image.png', ['media/hero image.png']]]],
    ['JSON-escaped Markdown', '{"body":"![x](\\/media\\/a.jpg)"}', [['/media/a.jpg', ['media/a.jpg']]]],
    ['protocol-relative srcset is a URL, not a path', '<img srcset="//cdn.example.org/a.jpg 2x">', [['//cdn.example.org/a.jpg', ['a.jpg']]]],
  ];

  it.each(HOSTLESS)('text: %s', (_name, text, expected) => {
    expect(found(text)).toEqual(expected.map(([raw, keys]) => [raw, keys, 'protect-only']));
  });

  // auto mode (the default): a value the text scan finds nothing in is still read whole, when unsure kept
  const AUTO: Array<[string, ReferenceGrammar, string, Expect, 'reference' | 'protect-only']> = [
    ['a lone key', aws, 'uploads/a.jpg', ['uploads/a.jpg'], 'reference'],
    ['a key with spaces', aws, 'docs/Annual Report.pdf', ['docs/Annual Report.pdf'], 'reference'],
    ['a key with brackets', aws, 'docs/a(1).jpg', ['docs/a(1).jpg'], 'reference'],
    ['a key with a space', aws, 'uploads/my photo.jpg', ['uploads/my photo.jpg'], 'reference'],
    ['a key with spaces, padded', aws, '  uploads/my photo.jpg ', ['uploads/my photo.jpg'], 'reference'],
    ['a key with spaces, encoded', aws, 'docs/Annual%20Report%20(1).pdf', ['docs/Annual%20Report%20(1).pdf', 'docs/Annual Report (1).pdf'], 'reference'],
    ['a key with spaces under a prefix', prefixed, 'uploads/my photo.jpg', ['media/uploads/my photo.jpg'], 'reference'],
    ['a key starting with a bracket', aws, '[draft] a.jpg', ['[draft] a.jpg'], 'reference'],
    ['a sentence naming a key: protected whole, never required', aws, 'a photo: uploads/a.jpg', ['a photo: uploads/a.jpg'], 'protect-only'],
    ['a key without an extension', aws, 'my photos/cover', ['my photos/cover'], 'protect-only'],
  ];

  it.each(AUTO)('auto: %s', (_name, grammar, value, expected, how) => {
    const found = grammar.referencesIn(value, 'auto');
    expect(found.map((f) => [f.raw, outcome(f.parsed), f.parsed.kind === 'asset' && f.parsed.protectOnly ? 'protect-only' : 'reference'])).toEqual([[value, expected, how]]);
  });

  it('auto mode reads one URL with a raw space whole, as well as cut at the space', () => {
    const read = (g: ReferenceGrammar, v: string) => g.referencesIn(v, 'auto').map((f) => [f.raw, outcome(f.parsed), f.parsed.kind === 'asset' && f.parsed.protectOnly ? 'protect-only' : 'reference']);
    expect(read(aws, 'https://media-prod.s3.amazonaws.com/docs/Annual Report.pdf')).toEqual([
      ['https://media-prod.s3.amazonaws.com/docs/Annual Report.pdf', ['docs/Annual Report.pdf'], 'reference'],
      ['https://media-prod.s3.amazonaws.com/docs/Annual', ['docs/Annual'], 'protect-only'],
    ]);
    expect(read(aws, 's3://media-prod/my photos/a b.jpg')).toEqual([
      ['s3://media-prod/my photos/a b.jpg', ['my photos/a b.jpg'], 'reference'],
      ['s3://media-prod/my', ['my'], 'protect-only'],
    ]);
    // a host nobody listed: both readings only protect
    expect(read(aws, 'https://images.example.org/docs/Annual Report.pdf')).toEqual([
      ['https://images.example.org/docs/Annual', ['docs/Annual'], 'protect-only'],
      ['https://images.example.org/docs/Annual Report.pdf', ['docs/Annual Report.pdf'], 'protect-only'],
    ]);
    // a URL followed by words: the URL is the reference, the whole only protects
    expect(read(aws, 'https://media-prod.s3.amazonaws.com/a.jpg is the photo')).toEqual([
      ['https://media-prod.s3.amazonaws.com/a.jpg', ['a.jpg'], 'reference'],
      ['https://media-prod.s3.amazonaws.com/a.jpg is the photo', ['a.jpg is the photo'], 'protect-only'],
    ]);
  });

  it('text: a quoted URL with a raw space also protects the whole key', () => {
    expect(found('<img src="https://media-prod.s3.amazonaws.com/my photo.jpg">')).toContainEqual(['https://media-prod.s3.amazonaws.com/my photo.jpg', ['my photo.jpg'], 'protect-only']);
    expect(found("![x](<https://cdn.example.org/a b.jpg>) url('//media-prod.s3.amazonaws.com/c d.png')")).toEqual(
      expect.arrayContaining([
        ['https://cdn.example.org/a b.jpg', ['a b.jpg'], 'protect-only'],
        ['//media-prod.s3.amazonaws.com/c d.png', ['c d.png'], 'protect-only'],
      ]),
    );
  });

  it('auto mode reads text with a reference as text, and never a multi-line value whole', () => {
    expect(aws.referencesIn('see s3://media-prod/a.jpg here', 'auto').map((f) => outcome(f.parsed))).toEqual([['a.jpg']]);
    expect(aws.referencesIn('two lines\nof prose', 'auto')).toEqual([]);
    // a Markdown or CSS one-liner has no space, yet it is text
    for (const v of ['![x](/media/a.jpg)', 'url(/media/a.jpg)']) {
      expect(aws.referencesIn(v, 'auto').map((f) => [f.raw, outcome(f.parsed), f.parsed.kind === 'asset' && f.parsed.protectOnly])).toEqual([['/media/a.jpg', ['media/a.jpg'], true]]);
    }
  });

  it('JSON leaves with spaces or brackets protect the key they name', () => {
    const doc = { file: 'docs/Annual Report.pdf', thumb: 'docs/a(1).jpg', note: 'uploads/my photo.jpg' };
    expect(aws.jsonLeaves(doc).map((k) => k.publicId)).toEqual(['docs/Annual Report.pdf', 'docs/a(1).jpg', 'uploads/my photo.jpg']);
  });

  it('never repeats a signature percent-encoded inside another URL (once or twice) or in a stored encoded URL', () => {
    const inner = 'https%3A%2F%2Fmedia-prod.s3.amazonaws.com%2Fa.jpg%3FX-Amz-Credential%3DAKIAEXAMPLE%26X-Amz-Signature%3Dsekret';
    const values = [
      `https://images.example.org/_next/image?url=${inner}&w=640`,
      `https://images.example.org/_next/image?w=640&url=${inner.replaceAll('%', '%25')}`,
      'https://images.example.org/img?u=%2Fa.jpg%26X-Amz-Signature%3Dsekret',
      inner,
      'uploads/a b.jpg%3FX-Amz-Signature%3Dsekret',
    ];
    for (const v of values) {
      for (const mode of ['value', 'auto', 'text'] as const) {
        const found = aws.referencesIn(v, mode);
        if (mode === 'value') expect(found).toHaveLength(1);
        expect(JSON.stringify(found), `${mode}: ${v}`).not.toMatch(/sekret|AKIAEXAMPLE/);
        for (const f of found) if (f.parsed.kind !== 'asset') expect(JSON.stringify(aws.fallback(f.raw, f.parsed))).not.toMatch(/sekret/);
      }
    }
    expect(aws.referencesIn(values[0]!, 'value')[0]!.raw).toBe('https://images.example.org/_next/image');
  });

  it('falls back to the path of an unlisted host and to odd values, never for another bucket', () => {
    const unlisted = read(aws, 'https://images.example.org/uploads/a%20b.jpg');
    expect(unlisted.kind).toBe('foreign');
    expect(aws.fallback('https://images.example.org/uploads/a%20b.jpg', unlisted as never).map((k) => k.publicId)).toEqual(['uploads/a b.jpg']);
    const other = read(aws, 's3://media-staging/a.jpg');
    expect(aws.fallback('s3://media-staging/a.jpg', other as never)).toEqual([]);
    expect(prefixed.jsonLeaves({ id: 'a.jpg', storage: 'store', size: 3 }).map((k) => k.publicId)).toEqual(['media/a.jpg', 'media/store']);
  });
});
