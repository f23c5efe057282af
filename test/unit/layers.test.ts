import cloudinaryPkg from 'cloudinary';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referencesIn } from '../../src/storage/cloudinary/grammar/extract.js';
import { layerReferences, layerReferencesIn } from '../../src/storage/cloudinary/grammar/layers.js';
import { transformationRuns } from '../../src/storage/cloudinary/grammar/parse.js';
import type { AssetKey, ParsedReference } from '../../src/references/types.js';
import type { ParseContext } from '../../src/storage/cloudinary/grammar/context.js';
import type { ResourceType } from '../../src/storage/cloudinary/partitions.js';
import { FIXTURE_CTX, LAYER_CASES } from './fixtures/references.js';

const cloudinary = cloudinaryPkg.v2;
cloudinary.config({ cloud_name: 'demo-cloud', api_key: 'k', api_secret: 's' });

const RES = 'https://res.cloudinary.com/demo';

describe('layerReferencesIn: fixture table', () => {
  it('has at least 25 cases', () => {
    expect(LAYER_CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(LAYER_CASES.map((c) => [c.note ? `${c.input.slice(0, 110)} (${c.note})` : c.input.slice(0, 110), c] as const))('%s', (_name, c) => {
    expect(layerReferencesIn(c.input, FIXTURE_CTX)).toEqual(c.layers);
  });

  it.each(LAYER_CASES.map((c) => [c.input.slice(0, 110), c] as const))('referencesIn adds them after the value: %s', (_name, c) => {
    for (const mode of ['value', 'auto'] as const) {
      const found = referencesIn(c.input, FIXTURE_CTX, mode);
      expect(found.length, mode).toBe(1 + c.layers.length);
      for (const f of found) expect(f.raw).toBe(c.input);
      expect(found.slice(1).map((f) => f.parsed), mode).toEqual(c.layers);
    }
  });
});

describe('layerReferences (pure)', () => {
  const ids = (segs: string[]): string[][] => layerReferences(segs).map((l) => l.candidates.map((k) => k.publicId));

  it('reads every component of every segment', () => {
    expect(ids(['c_fill,w_300', 'l_a:b,g_north', 'fl_layer_apply', 'u_c', 'd_x:y.jpg', 'fn_wasm:f.wasm'])).toEqual([['a/b'], ['c'], ['x/y'], ['f.wasm']]);
  });

  it('names nothing for plain transformations, remote layers and built-in fonts', () => {
    expect(layerReferences(['c_fill,w_300,h_200', 'e_sepia', 't_named', '$w_100', 'fl_layer_apply,g_south', 'l_fetch:aGk=', 'l_text:Arial_20:Hi', 'l_', 'd_', 'l_$x'])).toEqual([]);
  });

  it('marks guesses as uncertain', () => {
    expect(layerReferences(['l_text:Arial_20:a.ttf_1'])).toEqual([{ candidates: [{ publicId: 'Arial_20/a.ttf', resourceType: 'raw' }], certain: false }]);
    expect(layerReferences(['$v_!x!', 'l_$v'])).toEqual([{ candidates: [{ publicId: 'x', resourceType: 'image', type: 'upload' }], certain: false }]);
    expect(layerReferences(['l_text:a.ttf_20:Hi'])).toEqual([{ candidates: [{ publicId: 'a.ttf', resourceType: 'raw' }], certain: true }]);
  });

  it('keeps a malformed escape literally', () => {
    expect(ids(['l_a%zz'])).toEqual([['a%zz']]);
  });
});

describe('transformationRuns', () => {
  const ctx: ParseContext = { cloudName: 'demo', hosts: ['images.example.com'] };

  it('marks transformations followed by a version as definite', () => {
    expect(transformationRuns(`${RES}/image/upload/l_a/fl_layer_apply/v1/x.jpg`, ctx)).toEqual([{ segments: ['l_a', 'fl_layer_apply'], definite: true }]);
    expect(transformationRuns(`${RES}/image/upload/l_a/x.jpg`, ctx)).toEqual([{ segments: ['l_a'], definite: false }]);
    expect(transformationRuns(`${RES}/image/fetch/l_a/https://x.com/a.jpg`, ctx)).toEqual([{ segments: ['l_a'], definite: true }]);
  });

  it('gives nothing for bare ids, other clouds and other hosts', () => {
    expect(transformationRuns('l_a/x', ctx)).toEqual([]);
    expect(transformationRuns('https://res.cloudinary.com/other/image/upload/l_a/v1/x.jpg', ctx)).toEqual([]);
    expect(transformationRuns('https://example.com/image/upload/l_a/v1/x.jpg', ctx)).toEqual([]);
    expect(transformationRuns('', ctx)).toEqual([]);
  });
});

describe('referencesIn: layers in text', () => {
  const ctx: ParseContext = { cloudName: 'demo', hosts: [] };

  it('puts each URL\'s layers right after it, in HTML and JSON', () => {
    const a = `${RES}/image/upload/l_logo/fl_layer_apply/v1/a.jpg`;
    const b = `${RES}/image/upload/d_avatar.png/v1/b.jpg`;
    const html = `<img src="${a}"><p>x</p><img src="${b}">`;
    const found = referencesIn(html, ctx, 'auto');
    expect(found.map((f) => [f.raw, f.parsed.kind === 'asset' ? f.parsed.candidates.map((k) => k.publicId) : []])).toEqual([
      [a, ['a']], [a, ['logo']], [b, ['b']], [b, ['avatar']],
    ]);
    const json = JSON.stringify({ hero: a, nested: [{ url: b }] });
    expect(referencesIn(json, ctx, 'text').map((f) => f.raw)).toEqual([a, a, b, b]);
  });

  it('finds layers in a percent-encoded embedded URL', () => {
    const url = `${RES}/image/upload/l_brand:logo/fl_layer_apply/v1/a.jpg`;
    const found = referencesIn(`/_next/image?url=${encodeURIComponent(url)}&w=640`, ctx, 'auto');
    expect(found.some((f) => f.parsed.kind === 'asset' && f.parsed.candidates.some((k) => k.publicId === 'brand/logo'))).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------
// Property tests against the official SDK's URL builder.

const SDK_CTX: ParseContext = { cloudName: 'demo-cloud', hosts: ['cdn.example.com'] };

const segChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'.split(''), ' ', 'é', '(', ')');
const word = fc
  .array(segChar, { minLength: 1, maxLength: 10 })
  .map((cs) => cs.join(''))
  .filter((s) => s.trim() === s && !/^v\d+$/.test(s) && !/^[a-z]{1,4}_/.test(s));
const folders = fc.array(word, { minLength: 0, maxLength: 3 });
const baseId = fc.tuple(folders, word).map(([f, w]) => [...f, w].join('/'));

type Layer =
  | { kind: 'overlay' | 'underlay'; path: string[]; rt: 'image' | 'video'; type: 'upload' | 'private' | 'authenticated'; asObject: boolean; format?: string }
  | { kind: 'default'; path: string[]; format: string }
  | { kind: 'font'; path: string[]; ext: string; size: number }
  | { kind: 'subtitles'; path: string[]; styled: boolean }
  | { kind: 'wasm'; path: string[] };

const layerArb: fc.Arbitrary<Layer> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('overlay' as const, 'underlay' as const),
    path: fc.array(word, { minLength: 1, maxLength: 4 }),
    rt: fc.constantFrom('image' as const, 'video' as const),
    type: fc.constantFrom('upload' as const, 'private' as const, 'authenticated' as const),
    asObject: fc.boolean(),
    format: fc.option(fc.constantFrom('png', 'jpg', 'webp'), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant('default' as const), path: fc.array(word, { minLength: 1, maxLength: 3 }), format: fc.constantFrom('png', 'jpg', 'gif') }),
  fc.record({ kind: fc.constant('font' as const), path: fc.array(word, { minLength: 1, maxLength: 3 }), ext: fc.constantFrom('ttf', 'otf', 'woff2'), size: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant('subtitles' as const), path: fc.array(word, { minLength: 1, maxLength: 3 }), styled: fc.boolean() }),
  fc.record({ kind: fc.constant('wasm' as const), path: fc.array(word, { minLength: 1, maxLength: 3 }) }),
);

/** The SDK option for a layer, and the asset it names. */
function sdkLayer(l: Layer): { step: Record<string, unknown>; expected: AssetKey } {
  switch (l.kind) {
    case 'overlay':
    case 'underlay': {
      const id = l.path.join('/');
      const value = l.asObject
        ? { public_id: id, ...(l.rt === 'video' ? { resource_type: 'video' } : {}), ...(l.type !== 'upload' ? { type: l.type } : {}), ...(l.format ? { format: l.format } : {}) }
        : [...(l.rt === 'video' ? ['video'] : []), ...(l.type !== 'upload' ? [l.type] : []), l.path.join(':') + (l.format ? `.${l.format}` : '')].join(':');
      return { step: { [l.kind]: value }, expected: { publicId: id, resourceType: l.rt, type: l.type } };
    }
    case 'default':
      return { step: { default_image: `${l.path.join(':')}.${l.format}` }, expected: { publicId: l.path.join('/'), resourceType: 'image', type: 'upload' } };
    case 'font':
      return {
        step: { overlay: { font_family: `${l.path.join(':')}.${l.ext}`, font_size: l.size, text: 'Hello, World' } },
        expected: { publicId: `${l.path.join('/')}.${l.ext}`, resourceType: 'raw' },
      };
    case 'subtitles':
      return {
        step: { overlay: { resource_type: 'subtitles', public_id: `${l.path.join(':')}.srt`, ...(l.styled ? { font_family: 'arial', font_size: 20 } : {}) } },
        expected: { publicId: `${l.path.join('/')}.srt`, resourceType: 'raw' },
      };
    case 'wasm':
      return { step: { custom_function: { function_type: 'wasm', source: `${l.path.join(':')}.wasm` } }, expected: { publicId: `${l.path.join('/')}.wasm`, resourceType: 'raw' } };
  }
}

/** The Node SDK replaces only the first `/` of an object layer's public_id: the URL is broken. */
const sdkMangles = (l: Layer): boolean => (l.kind === 'overlay' || l.kind === 'underlay') && l.asObject && l.path.length > 2;

function layerEntries(found: ReturnType<typeof referencesIn>): Array<Extract<ParsedReference, { kind: 'asset' }>> {
  return found.slice(1).flatMap((f) => (f.parsed.kind === 'asset' ? [f.parsed] : []));
}

const matches = (k: AssetKey, e: AssetKey): boolean =>
  k.publicId === e.publicId && (k.resourceType === undefined || k.resourceType === e.resourceType) && (k.type === undefined || e.type === undefined || k.type === e.type);

const sdkLayerCase = fc.record({
  id: baseId,
  resourceType: fc.constantFrom<ResourceType>('image', 'video'),
  layers: fc.array(layerArb, { minLength: 1, maxLength: 3 }),
  before: fc.constantFrom(undefined, { crop: 'fill', width: 300 }, { effect: 'sepia' }),
  version: fc.option(fc.integer({ min: 1, max: 1_999_999_999 }), { nil: undefined }),
  host: fc.constantFrom('shared', 'private', 'cname'),
  signUrl: fc.boolean(),
  format: fc.option(fc.constantFrom('jpg', 'mp4'), { nil: undefined }),
});

type SdkLayerCase = typeof sdkLayerCase extends fc.Arbitrary<infer T> ? T : never;

function buildUrl(c: SdkLayerCase): { url: string; expected: AssetKey[] } {
  const built = c.layers.map(sdkLayer);
  const transformation = [...(c.before ? [c.before] : []), ...built.map((b) => b.step)];
  const options: Record<string, unknown> = { resource_type: c.resourceType, transformation, secure: true };
  if (c.version !== undefined) options.version = c.version;
  if (c.signUrl) options.sign_url = true;
  if (c.format !== undefined) options.format = c.format;
  if (c.host === 'private') options.private_cdn = true;
  if (c.host === 'cname') Object.assign(options, { secure: false, cname: 'cdn.example.com' });
  return { url: cloudinary.url(c.id, options), expected: built.map((b) => b.expected) };
}

describe('layers: SDK-built URLs (property)', () => {
  it('protects every overlay, underlay, default image, custom font, subtitle file and function', () => {
    fc.assert(
      fc.property(sdkLayerCase, (c) => {
        const { url, expected } = buildUrl(c);
        const layers = layerEntries(referencesIn(url, SDK_CTX, 'value'));
        for (const e of expected) {
          expect(layers.some((l) => l.candidates.some((k) => matches(k, e))), `${url} → ${JSON.stringify(e)}`).toBe(true);
        }
        // the base asset is still the first reference (unless the SDK mangled the URL: it replaces
        // only the first `/` of an object layer's public_id, so its other `/` split segments)
        if (!c.layers.some(sdkMangles)) {
          const first = referencesIn(url, SDK_CTX, 'value')[0]!.parsed;
          expect(first.kind === 'asset' && first.candidates.some((k) => k.publicId === c.id), url).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('requires (not protect-only) layers in versioned URLs the SDK builds correctly', () => {
    fc.assert(
      fc.property(sdkLayerCase, fc.integer({ min: 1, max: 1_999_999_999 }), (c0, version) => {
        const c = { ...c0, version, layers: c0.layers.filter((l) => !sdkMangles(l)) };
        fc.pre(c.layers.length > 0);
        const { url, expected } = buildUrl(c);
        const layers = layerEntries(referencesIn(url, SDK_CTX, 'value'));
        for (const e of expected) {
          const hit = layers.filter((l) => l.candidates.some((k) => matches(k, e)));
          expect(hit.some((l) => l.protectOnly !== true), `${url} → ${JSON.stringify(e)}`).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('adds nothing for URLs without layers', () => {
    fc.assert(
      fc.property(baseId, fc.constantFrom(undefined, { crop: 'fill', width: 300 }, { overlay: { font_family: 'Arial', font_size: 20, text: 'Hi' } }, { overlay: 'fetch:https://example.com/a.png' }), (id, t) => {
        const url = cloudinary.url(id, { ...(t ?? {}), secure: true });
        expect(referencesIn(url, SDK_CTX, 'value')).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });
});

// ------------------------------------------------------------------------------------------
// Fuzz: never throws, never hangs.

const tokens = fc.constantFrom(
  'https://', 'res.cloudinary.com/', 'demo-cloud/', 'image/', 'video/', 'upload/', 'fetch/', 'v1/', '/', ',', ':', 'l_', 'u_', 'd_', 'fn_', 'wasm:',
  'text:', 'subtitles:', 'video:', 'lut:', 'private:', 'fetch:', '$v', '_!', '!', '.ttf', '_20', 'a', 'a.png', '%', '%2', '%20', 's--abcdefgh--/', 'fl_layer_apply',
  'é', '\u0000', ' ', '.', '_',
);

describe('layers: fuzz', () => {
  const check = (refs: ParsedReference[]): void => {
    for (const r of refs) {
      expect(r.kind).toBe('asset');
      if (r.kind === 'asset') {
        expect(r.candidates.length).toBeGreaterThan(0);
        for (const k of r.candidates) expect(k.publicId.length).toBeGreaterThan(0);
      }
    }
  };

  it('random token soup never throws', () => {
    fc.assert(
      fc.property(fc.array(tokens, { maxLength: 50 }), (parts) => {
        const v = parts.join('');
        check(layerReferencesIn(v, SDK_CTX));
        check(layerReferencesIn(`https://res.cloudinary.com/demo-cloud/image/upload/${v}/v1/a.jpg`, SDK_CTX));
        layerReferences(v.split('/'));
      }),
      { numRuns: 5000 },
    );
  });

  it('random strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        check(layerReferencesIn(`https://res.cloudinary.com/demo-cloud/image/upload/l_${s}/v1/a.jpg`, SDK_CTX));
        layerReferences([s, `l_${s}`, `l_text:${s}`, `l_subtitles:${s}`, `d_${s}`]);
      }),
      { numRuns: 3000 },
    );
  });

  it('pathological inputs stay fast', () => {
    const base = 'https://res.cloudinary.com/demo-cloud/image/upload/';
    const inputs = [
      `${base}l_text:${'a'.repeat(1900)}/v1/a.jpg`,
      `${base}l_text:${'a.ttf'.repeat(380)}/v1/a.jpg`,
      `${base}l_text:${'_1:'.repeat(600)}.ttf_1/v1/a.jpg`,
      `${base}l_subtitles:${'a_1:'.repeat(450)}/v1/a.jpg`,
      `${base}${'l_a,'.repeat(450)}/v1/a.jpg`,
      `${base}${'l_a/'.repeat(450)}v1/a.jpg`,
      `${base}$v_!${'!'.repeat(1800)}/v1/a.jpg`,
      `${base}l_${':'.repeat(1900)}/v1/a.jpg`,
    ];
    // no speed assertion (the benchmark measures speed): a catastrophic regex would hit the timeout
    for (let i = 0; i < 20; i++) for (const s of inputs) check(layerReferencesIn(s, SDK_CTX));
    layerReferences(['l_text:' + 'a.ttf'.repeat(100_000)]);
    layerReferences(['l_a,'.repeat(100_000)]);
  }, 60_000);
});
