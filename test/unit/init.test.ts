import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { addAssetId, emptyAssetSample } from '../../src/init/assets.js';
import { kindOf } from '../../src/database/postgres/catalog.js';
import type { CandidateColumn } from '../../src/init/catalog.js';
import { classifyColumn, cloudOfUrl, type ClassifyContext } from '../../src/init/classify.js';
import { proposeSources, renderConfig } from '../../src/init/render.js';
import { hintPattern, type ColumnSample } from '../../src/init/sample.js';

const CLOUD = 'acme';
const assets = emptyAssetSample();
for (const id of ['avatars/u1', 'avatars/u2', 'posts/hero', 'docs/guide.pdf']) addAssetId(assets, id);
const ctx: ClassifyContext = { parse: { cloudName: CLOUD }, assets, anyCloud: false };

let relid = 1;
function column(overrides: Partial<CandidateColumn> = {}): CandidateColumn {
  return { tableKey: String(relid++), schema: 'public', defaultSchema: true, table: 'posts', column: 'body', type: 'text', kind: 'string', primaryKey: 'id', estimatedRows: 10, readable: true, ...overrides };
}
function sample(values: unknown[], overrides: Partial<CandidateColumn> = {}): ColumnSample {
  return { column: column(overrides), values: values.map((value) => ({ value, text: typeof value === 'string' ? value : JSON.stringify(value) })), problems: [] };
}
const url = (id: string, cloud = CLOUD) => `https://res.cloudinary.com/${cloud}/image/upload/c_fill,w_300/v1712345678/${id}.jpg`;

describe('column kinds', () => {
  it.each([
    ['text', 'S', null, null, 'string'],
    ['varchar', 'S', null, null, 'string'],
    ['bpchar', 'S', null, null, 'string'],
    ['citext', 'S', null, null, 'string'],
    ['jsonb', 'U', null, null, 'json'],
    ['json', 'U', null, null, 'json'],
    ['_text', 'A', 'text', 'S', 'array'],
    ['_varchar', 'A', 'varchar', 'S', 'array'],
    ['_jsonb', 'A', 'jsonb', 'U', 'array'],
    ['name', 'S', null, null, undefined],
    ['int4', 'N', null, null, undefined],
    ['_int4', 'A', 'int4', 'N', undefined],
    ['timestamptz', 'D', null, null, undefined],
  ])('%s → %s', (base, category, elem, elemCategory, kind) => {
    expect(kindOf(base, category, elem, elemCategory)).toBe(kind);
  });
});

describe('classifyColumn', () => {
  it('rich-text HTML with src and srcset: references, scanned as text', () => {
    const f = classifyColumn(
      sample([`<p>Hi</p><img src="${url('posts/hero')}" srcset="${url('posts/a')} 1x, ${url('posts/b')} 2x">`, '<p>no image here</p>', 'Plain words']),
      ctx,
    );
    expect(f.holdsReferences).toBe(true);
    expect(f.urlValues).toBe(1);
    expect(f.idValues).toBe(0);
    expect(f.extract).toBe('text');
    expect(f.references).toBe(3);
  });

  it('bare public_ids are references only when they name sampled assets or folders', () => {
    const ids = classifyColumn(sample(['avatars/u1', 'avatars/u999', 'nothing-like-it'], { column: 'avatar', type: 'character varying(255)' }), ctx);
    expect(ids.holdsReferences).toBe(true);
    expect(ids.idValues).toBe(2); // u1 by id, u999 by its folder
    expect(ids.extract).toBeUndefined();
    const slugs = classifyColumn(sample(['hello-world', 'blog/post-1', 'About us'], { column: 'slug' }), ctx);
    expect(slugs.holdsReferences).toBe(false);
  });

  it('CloudinaryField values in a text[] column', () => {
    const f = classifyColumn(sample([['image/upload/v1/gallery/a.jpg', 'image/upload/v2/gallery/b.png']], { column: 'gallery', type: 'text[]', kind: 'array' }), ctx);
    expect(f.holdsReferences).toBe(true);
    expect(f.urlValues).toBe(1);
    expect(f.extract).toBeUndefined();
  });

  it('JSON documents: references, the default extract (documents are scanned, arrays read element by element)', () => {
    const f = classifyColumn(sample([{ blocks: [{ type: 'image', src: url('posts/hero') }] }, { theme: 'dark' }], { column: 'content', type: 'jsonb', kind: 'json' }), ctx);
    expect(f.holdsReferences).toBe(true);
    expect(f.extract).toBeUndefined();
  });

  it('another cloud, fetch and other hosts: not references, counted as foreign', () => {
    const f = classifyColumn(
      sample([url('x', 'someone-else'), `https://res.cloudinary.com/${CLOUD}/image/fetch/https://example.com/a.jpg`, 'https://example.com/img.jpg']),
      ctx,
    );
    expect(f.holdsReferences).toBe(false);
    expect(f.foreignValues).toBe(2);
  });

  it('without credentials, URLs of any cloud count', () => {
    const f = classifyColumn(sample([url('x', 'someone-else')]), { parse: { cloudName: '' }, assets: emptyAssetSample(), anyCloud: true });
    expect(f.holdsReferences).toBe(true);
    expect([...f.clouds.keys()]).toEqual(['someone-else']);
  });

  it('a column that mixes bare ids and text keeps the default extract mode', () => {
    const f = classifyColumn(sample(['avatars/u1', `<img src="${url('posts/hero')}">`]), ctx);
    expect(f.holdsReferences).toBe(true);
    expect(f.extract).toBeUndefined();
  });

  it('prose never counts, even when a word matches nothing', () => {
    expect(classifyColumn(sample(['Lorem ipsum dolor', 'Nice photo!', 'x']), ctx).holdsReferences).toBe(false);
  });
});

describe('cloudOfUrl', () => {
  it.each([
    ['https://res.cloudinary.com/acme/image/upload/a.jpg', 'acme'],
    ['//res-3.cloudinary.com/Acme/image/upload/a.jpg', 'acme'],
    ['https://acme-res.cloudinary.com/image/upload/a.jpg', 'acme'],
    ['https://example.com/a.jpg', undefined],
  ])('%s → %s', (raw, cloud) => expect(cloudOfUrl(raw)).toBe(cloud));
});

describe('hint pattern', () => {
  it('matches what the sampling query must find, as a Postgres-compatible regex', () => {
    const re = new RegExp(hintPattern(['img.example.com']), 'i');
    for (const s of [url('a'), 'image/upload/v1/a.jpg', 'image\\/upload\\/v1\\/a.jpg', '{"public_id":"a"}', 'https://img.example.com/a.jpg']) expect(re.test(s), s).toBe(true);
    for (const s of ['hello', 'https://example.com/x.jpg', 'imgXexampleYcom']) expect(re.test(s), s).toBe(false);
  });
});

describe('the written config', () => {
  const html = classifyColumn(sample([`<img src="${url('posts/hero')}">`]), ctx);
  const ids = classifyColumn(sample(['avatars/u1'], { table: 'profiles', column: 'avatar', titleColumn: 'name' }), ctx);
  const odd = classifyColumn(sample(['avatars/u2'], { schema: 'legacy', defaultSchema: false, table: 'Old Table', column: 'pic "x"', primaryKey: undefined }), ctx);

  it('proposes one source per column, with unique names and the primary key as id', () => {
    const proposals = proposeSources([html, ids, odd], ['posts_body']);
    expect(proposals.map((p) => p.source)).toEqual([
      { name: 'posts_body_2', table: 'posts', column: 'body', id: 'id', extract: 'text' },
      { name: 'profiles_avatar', table: 'profiles', column: 'avatar', id: 'id', title: 'name' },
      { name: 'legacy_Old_Table_pic_x_', query: 'SELECT "pic ""x""" AS ref FROM "legacy"."Old Table" WHERE "pic ""x""" IS NOT NULL' },
    ]);
  });

  it('is a valid config whose comments name the counts', () => {
    const text = renderConfig({
      proposals: proposeSources([html, ids, odd]),
      version: '9.9.9',
      at: new Date('2025-01-02T03:04:05Z'),
      database: '127.0.0.1:5432/app',
      cloud: CLOUD,
      sampleSize: 200,
      columnsSampled: 12,
      tables: 4,
      notes: ['left out public.x.y: other clouds only', 'line\nbreak in a name'],
    });
    const parsed = parseConfigText(text, 'asset-audit.config.json');
    expect(parsed.errors).toEqual([]);
    expect(parsed.config!.references.map((s) => s.name)).toEqual(['posts_body', 'profiles_avatar', 'legacy_Old_Table_pic_x_']);
    expect(text).toContain('// public.posts.body (text): 1 of 1 sampled values hold references (1 with URLs or RT/TYPE/… paths, 1 inside text)');
    expect(text).toContain('// no single-column primary key');
    expect(text).toContain('// line break in a name');
    expect(text).toContain('cloud "acme"');
  });
});
