import cloudinaryPkg from 'cloudinary';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKnownFormat } from '../../src/references/formats.js';
import { MAX_REFERENCE_LENGTH, parseReference } from '../../src/references/parse.js';
import type { ParseContext, ParsedReference } from '../../src/references/types.js';
import type { DeliveryType, ResourceType } from '../../src/storage/types.js';
import { CASES, FIXTURE_CTX } from './fixtures/references.js';

const cloudinary = cloudinaryPkg.v2;
cloudinary.config({ cloud_name: 'demo-cloud', api_key: 'k', api_secret: 's' });

describe('parseReference: fixture table', () => {
  it('has at least 150 cases, at least 20 of them rejections', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(CASES.filter((c) => c.expected.kind !== 'asset').length).toBeGreaterThanOrEqual(20);
  });

  it.each(CASES.map((c) => [c.note ? `${c.input.slice(0, 120)} (${c.note})` : c.input.slice(0, 120), c] as const))('%s', (_name, c) => {
    const ctx: ParseContext = c.hint ? { ...FIXTURE_CTX, resourceTypeHint: c.hint } : FIXTURE_CTX;
    const got = parseReference(c.input, ctx);
    if (c.expected.kind === 'asset') {
      expect(got).toEqual(c.expected);
    } else {
      expect(got.kind).toBe(c.expected.kind);
      expect((got as { reason: string }).reason).toMatch(/\S/);
    }
  });
});

describe('parseReference: specifics', () => {
  const ctx = { cloudName: 'demo', hosts: [] };

  it('never sets a delivery type on bare values, even with a hint', () => {
    for (const v of ['a', 'a/b.jpg', 'docs/x.pdf', 'v1/a']) {
      for (const hint of [undefined, 'image', 'video', 'raw'] as const) {
        const r = parseReference(v, { ...ctx, resourceTypeHint: hint });
        expect(r.kind).toBe('asset');
        if (r.kind === 'asset') for (const k of r.candidates) expect(k.type).toBeUndefined();
      }
    }
  });

  it('rejects other clouds case-insensitively but accepts its own in any case', () => {
    expect(parseReference('https://res.cloudinary.com/DEMO/image/upload/v1/a.jpg', ctx).kind).toBe('asset');
    expect(parseReference('https://res.cloudinary.com/demo-2/image/upload/v1/a.jpg', ctx).kind).toBe('foreign');
    expect(parseReference('https://Demo-Res.cloudinary.com/image/upload/v1/a.jpg', ctx).kind).toBe('asset');
  });

  it('gives foreign/invalid a short reason', () => {
    const r = parseReference('https://res.cloudinary.com/other/image/upload/a.jpg', ctx);
    expect(r).toEqual({ kind: 'foreign', reason: 'another cloud (other)' });
    expect(parseReference('', ctx)).toEqual({ kind: 'invalid', reason: 'empty' });
    expect(parseReference('x'.repeat(MAX_REFERENCE_LENGTH), ctx).kind).toBe('asset');
  });

  it('knows formats case-insensitively', () => {
    expect(isKnownFormat('jpg')).toBe(true);
    expect(isKnownFormat('JPEG')).toBe(true);
    expect(isKnownFormat('2023')).toBe(false);
    expect(isKnownFormat('csv')).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------
// Property tests against the official SDK's own URL builder.

const SDK_CTX: ParseContext = { cloudName: 'demo-cloud', hosts: ['cdn.example.com', 'assets.example.net'] };

// Characters Cloudinary allows in ids (no `?&#\%<>+`, no `/` inside a segment).
const segChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') },
  { weight: 3, arbitrary: fc.constantFrom(' ', '.', ',', '-', '_', '(', ')', '!', "'", '~', '*', ':', '@', '$', '=', ';', '[', ']') },
  { weight: 2, arbitrary: fc.constantFrom('é', 'ü', 'ñ', 'ø', 'ß', '日', '本', '写', '真', 'д', 'ж', 'ש', 'ع', '😀', '\u00a0') },
);
const segment = fc
  .array(segChar, { minLength: 1, maxLength: 12 })
  .map((cs) => cs.join(''))
  .filter((s) => !/^v\d+$/.test(s) && s.trim() === s && s !== '.' && s !== '..' && !/^s--.*--$/.test(s));
const publicIdArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((segs) => segs.join('/'));

const transformationArb = fc.oneof(
  fc.constant(undefined),
  fc.record({ crop: fc.constantFrom('fill', 'fit', 'scale', 'thumb', 'pad'), width: fc.integer({ min: 1, max: 4000 }) }),
  fc.record({ width: fc.integer({ min: 1, max: 4000 }), height: fc.integer({ min: 1, max: 4000 }), crop: fc.constant('fill'), gravity: fc.constantFrom('face', 'auto', 'south') }),
  fc.constant({ transformation: [{ crop: 'fill', width: 300 }, { effect: 'sepia' }, { radius: 'max' }] }),
  fc.constant({ transformation: 'thumbnail' }),
  fc.constant({ transformation: ['named_a', 'named_b'] }),
  fc.constant({ variables: [['$w', 100]], transformation: 'named' }),
  fc.constant({ raw_transformation: 'w_100,h_100,c_fill/e_blur:300' }),
  fc.constant({ quality: 'auto', fetch_format: 'auto' }),
  fc.constant({ overlay: { font_family: 'Arial', font_size: 20, text: 'Hello, World' }, gravity: 'south' }),
);

type Host = 'shared' | 'sub' | 'private' | 'privateSub' | 'cname' | 'cnamePrivate' | 'dist' | 'distPrivate' | 'insecure';
const hostOptions = (h: Host): Record<string, unknown> => {
  switch (h) {
    case 'shared': return { secure: true };
    case 'sub': return { secure: true, cdn_subdomain: true };
    case 'private': return { secure: true, private_cdn: true };
    case 'privateSub': return { secure: true, private_cdn: true, cdn_subdomain: true, secure_cdn_subdomain: true };
    case 'cname': return { secure: false, cname: 'cdn.example.com', cdn_subdomain: true };
    case 'cnamePrivate': return { secure: false, cname: 'cdn.example.com', private_cdn: true };
    case 'dist': return { secure: true, secure_distribution: 'assets.example.net' };
    case 'distPrivate': return { secure: true, secure_distribution: 'assets.example.net', private_cdn: true };
    case 'insecure': return { secure: false, cdn_subdomain: true };
  }
};

const SEO_OK = new Set(['image/upload', 'image/private', 'image/authenticated', 'raw/upload', 'video/upload']);

const sdkCase = fc
  .record({
    publicId: publicIdArb,
    resourceType: fc.constantFrom<ResourceType>('image', 'video', 'raw'),
    type: fc.constantFrom<DeliveryType>('upload', 'private', 'authenticated'),
    version: fc.option(fc.oneof(fc.constant(1), fc.integer({ min: 1_000_000_000, max: 1_999_999_999 })), { nil: undefined }),
    transformation: transformationArb,
    format: fc.option(fc.constantFrom('jpg', 'png', 'webp', 'mp4', 'avif', 'gif'), { nil: undefined }),
    signUrl: fc.boolean(),
    longSig: fc.boolean(),
    urlSuffix: fc.option(fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,15}$/), { nil: undefined }),
    shorten: fc.boolean(),
    rootPath: fc.boolean(),
    host: fc.constantFrom<Host>('shared', 'sub', 'private', 'privateSub', 'cname', 'cnamePrivate', 'dist', 'distPrivate', 'insecure'),
  })
  .map((c) => {
    const route = `${c.resourceType}/${c.type}`;
    return {
      ...c,
      format: c.resourceType === 'raw' ? undefined : c.format,
      urlSuffix: SEO_OK.has(route) ? c.urlSuffix : undefined,
      rootPath: route === 'image/upload' && (c.host === 'private' || c.host === 'cnamePrivate' || c.host === 'distPrivate') ? c.rootPath : false,
    };
  })
  // A URL without a format ending in a known format extension names the id without it (Cloudinary's rule).
  .filter((c) => {
    if (c.format !== undefined || c.resourceType === 'raw' || c.urlSuffix !== undefined) return true;
    const last = c.publicId.slice(c.publicId.lastIndexOf('/') + 1);
    const dot = last.lastIndexOf('.');
    return dot <= 0 || !isKnownFormat(last.slice(dot + 1));
  });

type SdkCase = typeof sdkCase extends fc.Arbitrary<infer T> ? T : never;

function sdkUrl(c: SdkCase): string {
  const options: Record<string, unknown> = {
    resource_type: c.resourceType,
    type: c.type,
    ...hostOptions(c.host),
    ...(c.transformation ?? {}),
  };
  if (c.version !== undefined) options.version = c.version;
  if (c.format !== undefined) options.format = c.format;
  if (c.signUrl) options.sign_url = true;
  if (c.signUrl && c.longSig) options.long_url_signature = true;
  if (c.urlSuffix !== undefined) options.url_suffix = c.urlSuffix;
  if (c.shorten) options.shorten = true;
  if (c.rootPath) options.use_root_path = true;
  return cloudinary.url(c.publicId, options);
}

function ids(r: ParsedReference, rt: ResourceType, type: DeliveryType): string[] {
  if (r.kind !== 'asset') return [];
  return r.candidates.filter((k) => k.resourceType === rt && k.type === type).map((k) => k.publicId);
}

describe('parseReference: SDK-built URLs (property)', () => {
  it('returns the original public id among the candidates', () => {
    fc.assert(
      fc.property(sdkCase, (c) => {
        const url = sdkUrl(c);
        const r = parseReference(url, SDK_CTX);
        expect(r.kind, url).toBe('asset');
        expect(ids(r, c.resourceType, c.type), url).toContain(c.publicId);
      }),
      { numRuns: 3000 },
    );
  });

  it('gives exactly one candidate for versioned URLs with an unambiguous last segment', () => {
    fc.assert(
      fc.property(
        // on a private CDN / own host, SEO and `iu` paths may also be root paths: more candidates by design
        sdkCase.filter((c) => !c.rootPath && ((c.urlSuffix === undefined && !c.shorten) || c.host === 'shared' || c.host === 'sub' || c.host === 'insecure')),
        fc.integer({ min: 1, max: 1_999_999_999 }),
        (c0, version) => {
          const c = { ...c0, version };
          const last = c.publicId.slice(c.publicId.lastIndexOf('/') + 1);
          const dot = last.lastIndexOf('.');
          const ambiguousExt = c.resourceType !== 'raw' && c.format === undefined && c.urlSuffix === undefined && dot > 0 && dot < last.length - 1 && /^[A-Za-z0-9]{1,10}$/.test(last.slice(dot + 1));
          fc.pre(!ambiguousExt);
          const url = sdkUrl(c);
          const r = parseReference(url, SDK_CTX);
          expect(r, url).toEqual({ kind: 'asset', candidates: [{ publicId: c.publicId, resourceType: c.resourceType, type: c.type }] });
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('reads the preloaded / CloudinaryField form back', () => {
    fc.assert(
      fc.property(publicIdArb, fc.constantFrom<ResourceType>('image', 'video', 'raw'), fc.integer({ min: 1, max: 1_999_999_999 }), fc.constantFrom('jpg', 'png', 'mp4'), fc.boolean(), (id, rt, v, fmt, sig) => {
        fc.pre(!id.includes('%'));
        const value = `${rt}/upload/v${v}/${id}${rt === 'raw' ? '' : `.${fmt}`}${sig ? '#0123456789abcdef' : ''}`;
        const r = parseReference(value, SDK_CTX);
        expect(ids(r, rt, 'upload'), value).toContain(id);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads bare ids as themselves', () => {
    fc.assert(
      fc.property(publicIdArb, (id) => {
        const r = parseReference(id, SDK_CTX);
        expect(r.kind).toBe('asset');
        if (r.kind === 'asset') expect(r.candidates[0]).toEqual({ publicId: id.trim() });
      }),
      { numRuns: 1000 },
    );
  });
});

// ------------------------------------------------------------------------------------------
// Fuzz: never throws, never hangs.

const KINDS = new Set(['asset', 'foreign', 'invalid']);
const tokens = fc.constantFrom(
  'https://', 'http://', '//', 'res.cloudinary.com', 'demo-cloud-res.cloudinary.com', 'cdn.example.com', '/', 'demo-cloud', 'image', 'video',
  'raw', 'upload', 'private', 'images', 'iu', 'v1', 'v1699999999', 's--abcdefgh--', 'c_fill,w_100', '$w_1', 't_x', 'a.jpg', '.', '%', '%2', '%20',
  '%E0%A4', '?', '#', '&amp;', ' ', '\\/', '+', '(', ')', ',', 'fetch', '..', 'x', 'é', '\u0000',
);

function check(r: ParsedReference): void {
  expect(KINDS.has(r.kind)).toBe(true);
  if (r.kind === 'asset') {
    expect(r.candidates.length).toBeGreaterThan(0);
    for (const k of r.candidates) expect(typeof k.publicId).toBe('string');
  } else {
    expect(r.reason.length).toBeGreaterThan(0);
  }
}

describe('parseReference: fuzz', () => {
  it('random strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => check(parseReference(s, SDK_CTX))),
      { numRuns: 5000 },
    );
  });

  it('random URL-ish token soup never throws', () => {
    fc.assert(
      fc.property(fc.array(tokens, { maxLength: 40 }), (parts) => {
        const r = parseReference(parts.join(''), SDK_CTX);
        check(r);
        expect(r.kind === 'invalid' && r.reason.startsWith('parser error')).toBe(false);
      }),
      { numRuns: 5000 },
    );
  });

  it('pathological inputs stay fast', () => {
    const inputs = [
      'a'.repeat(1_000_000),
      `https://res.cloudinary.com/demo-cloud/image/upload/${'c_a,'.repeat(500)}`,
      `https://res.cloudinary.com/demo-cloud/image/upload/${'c_fill/'.repeat(290)}a.jpg`,
      `https://res.cloudinary.com/demo-cloud/image/upload/${'$a_'.repeat(680)}`,
      '/'.repeat(2000),
      `${'a.'.repeat(1000)}jpg`,
      `https://${'a-'.repeat(1000)}res.cloudinary.com/x`,
      `${'a'.repeat(200)}.${'b'.repeat(200)}`,
      `image/upload/${'v1/'.repeat(600)}`,
    ];
    // no speed assertion (speed is measured by the benchmark): a catastrophic regex would hit the timeout
    for (const s of inputs) check(parseReference(s, SDK_CTX));
  }, 60_000);

});
