/**
 * Detect through the built CLI over rich text: HTML (src, srcset, CSS url(), <picture>), Markdown,
 * JSONB arrays and objects, a text[] column, JSON-escaped and percent-encoded URLs in a text
 * column, and plain columns of every stored form. Every asset used anywhere is protected (no false
 * orphans); only the references whose assets are gone are missing (no false missing); other
 * clouds' and fetch URLs are counted as foreign and shown in the summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const CLOUD = 'rich-cloud';
const C = `https://res.cloudinary.com/${CLOUD}`;
let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

const IMAGES = [
  'blog/hero', 'blog/a1', 'blog/a2', 'blog/bg', 'blog/pcdn', 'notes/diagram', 'notes/custom', 'seo/photo', 'folder/my photo',
  'next/pic', 'esc/one', 'photos/archive.2023', 'short/form', 'json/b1', 'json/b2', 'json/pid', 'json/deep', 'plain/p1', 'plain/p2',
  'arr/x1', 'arr/x2', 'orphan/one',
];
const ORPHANS = ['image/upload/orphan/one', 'raw/upload/orphan/two.zip', 'video/upload/orphan/three'];
const MISSING = ['posts:2:blog/gone', 'notes:2:notes/gone_md', 'pages:2:json/gone', 'items:10:plain/gone'];

const config = {
  references: [
    { name: 'posts', table: 'posts', column: 'body', id: 'id', title: 'title', extract: 'text' },
    { name: 'notes', table: 'notes', column: 'md', id: 'id', extract: 'text' },
    { name: 'pages', table: 'pages', column: 'blocks', id: 'id' },
    { name: 'items', table: 'items', column: 'image', id: 'id' },
    { name: 'galleries', table: 'galleries', column: 'pics', id: 'id' },
    { name: 'legacy', table: 'legacy', column: 'payload', id: 'id' },
  ],
  cloudinary: { hosts: ['media.example.org'] },
};

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: CLOUD, apiKey: '777', apiSecret: 'rich-s3cret', rateLimit: 5000 });
  db = await startDatabase();
  const day = new Date(Date.now() - 86_400_000).toISOString();
  for (const id of IMAGES) emu.addAsset({ public_id: id, created_at: day });
  emu.addAsset({ public_id: 'docs/manual.v2.pdf', resource_type: 'raw', format: 'pdf', created_at: day });
  emu.addAsset({ public_id: 'orphan/two.zip', resource_type: 'raw', format: 'zip', created_at: day });
  emu.addAsset({ public_id: 'clips/intro', resource_type: 'video', format: 'mp4', created_at: day });
  emu.addAsset({ public_id: 'orphan/three', resource_type: 'video', format: 'mp4', created_at: day });
  emu.addAsset({ public_id: 'priv/secret', type: 'private', created_at: day });

  const html1 =
    `<h1>Post</h1><p>Text</p><img src="${C}/image/upload/c_fill,w_300/v1712345678/blog/hero.jpg" alt="" ` +
    `srcset="${C}/image/upload/w_300/blog/a1.jpg 300w, ${C}/image/upload/w_600/e_sepia/blog/a2.webp 600w">` +
    `<div style="background-image: url('${C}/image/upload/v1/blog/bg.png')"></div>` +
    `<picture><source srcset="https://${CLOUD}-res.cloudinary.com/image/upload/blog/pcdn.avif" type="image/avif"></picture>` +
    `<img src="https://res.cloudinary.com/other-cloud/image/upload/v1/theirs.jpg">`;
  const html2 = `<p>Broken:</p><img src="${C}/image/upload/c_fill,w_300/v1712345678/blog/gone.jpg">`;
  const md1 =
    `# Notes\n\n![diagram](${C}/image/upload/s--AbCdEfGh--/v1700000000/notes/diagram.png) and the [manual](${C}/raw/upload/v1/docs/manual.v2.pdf).\n` +
    `Served from our CNAME: ![x](https://media.example.org/image/upload/v5/notes/custom.jpg)`;
  const md2 = `Lost picture: ![gone](${C}/image/upload/v1700000000/notes/gone_md.png)`;
  const json1 = JSON.stringify([
    { type: 'image', url: `${C}/image/upload/v1/json/b1.jpg` },
    { type: 'gallery', items: [`${C}/image/upload/c_scale,w_200/v3/json/b2.png`, { asset: { public_id: 'json/pid' } }] },
    { type: 'html', html: `<p><img src="${C}/image/upload/v9/json/deep.jpg"></p>` },
    { type: 'embed', src: `${C}/image/fetch/https://example.com/remote.jpg` },
  ]);
  const json2 = JSON.stringify({ hero: { src: `${C}/image/upload/v1/json/gone.jpg` }, title: 'Gone' });
  const items = [
    'plain/p1',
    'image/upload/v1699999999/plain/p2.jpg',
    `${C}/video/upload/so_2/v1699/clips/intro.jpg`,
    `${C}/images/w_300/v1/seo/photo/nice-name.jpg`,
    `${C}/image/upload/v1/folder/my%20photo.jpg?_a=BAVAfVDW0`,
    'photos/archive.2023.jpg',
    `${C}/iu/v1/short/form.jpg`,
    'image/private/v1/priv/secret.jpg#abc123',
    'raw/upload/v1/docs/manual.v2.pdf',
    'plain/gone',
  ];
  const legacy = [
    JSON.stringify(JSON.stringify({ html: `<img src="${C}/image/upload/v1/esc/one.jpg">` })),
    `/_next/image?url=${encodeURIComponent(`${C}/image/upload/v1/next/pic.jpg`)}&w=640&q=75`,
  ];
  await db.exec(`
    CREATE TABLE posts (id int PRIMARY KEY, title text, body text);
    CREATE TABLE notes (id int PRIMARY KEY, md text);
    CREATE TABLE pages (id int PRIMARY KEY, blocks jsonb);
    CREATE TABLE items (id int PRIMARY KEY, image varchar(300));
    CREATE TABLE galleries (id int PRIMARY KEY, pics text[]);
    CREATE TABLE legacy (id int PRIMARY KEY, payload text);
    INSERT INTO posts VALUES (1, 'One', ${q(html1)}), (2, 'Two', ${q(html2)}), (3, 'Three', '<p>No pictures.</p>');
    INSERT INTO notes VALUES (1, ${q(md1)}), (2, ${q(md2)}), (3, NULL);
    INSERT INTO pages VALUES (1, ${q(json1)}), (2, ${q(json2)});
    INSERT INTO items VALUES ${items.map((v, i) => `(${i + 1}, ${q(v)})`).join(', ')};
    INSERT INTO galleries VALUES (1, ARRAY[${q('image/upload/v1/arr/x1.jpg')}, ${q(`${C}/image/upload/v2/arr/x2.png`)}]), (2, ARRAY[]::text[]);
    INSERT INTO legacy VALUES ${legacy.map((v, i) => `(${i + 1}, ${q(v)})`).join(', ')};
  `);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('detect over rich text, markdown, JSONB and plain columns', () => {
  it('no false orphans and no false missing', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--all', '--json'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.complete).toBe(true);
    const orphans = result.orphans.map((o: { resourceType: string; type: string; publicId: string }) => `${o.resourceType}/${o.type}/${o.publicId}`);
    expect(orphans.sort()).toEqual([...ORPHANS].sort());
    const missing = result.missing.map((m: { source: string; recordId: string; publicId: string }) => `${m.source}:${m.recordId}:${m.publicId}`);
    expect(missing.sort()).toEqual([...MISSING].sort());
    // one row may hold many references: post 1 alone names five assets of this account
    expect(result.references.sources.find((s: { name: string }) => s.name === 'posts').references).toBe(6);
    expect(result.references.foreign.count).toBe(2);
    expect(result.references.foreign.samples.map((s: { reason: string }) => s.reason).sort()).toEqual(['another cloud (other-cloud)', 'fetch delivery']);
  });

  it('the summary counts and samples what was not taken as this account\'s asset', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--all'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("Not this account's assets (other clouds, fetch, other hosts): 2");
    expect(run.stderr).toMatch(/e\.g\. posts #1: "https:\/\/res\.cloudinary\.com\/other-cloud\/image\/upload\/v1\/theirs\.jpg" — another cloud \(other-cloud\)/);
    expect(run.stderr).toMatch(/e\.g\. pages #1: ".*image\/fetch\/.*" — fetch delivery/);
  });

  it('a value the parser cannot read is counted and sampled, never dropped silently', async () => {
    await db.exec(`INSERT INTO items VALUES (99, ${q(`${C}/image/upload/`)})`);
    try {
      const dir = workspace({ 'asset-audit.config.json': config });
      const run = await runCli(['detect', '--missing-only'], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toContain('Values not understood: 1');
      expect(run.stderr).toMatch(/e\.g\. items #99: ".*" — Cloudinary URL without a public id/);
    } finally {
      await db.exec('DELETE FROM items WHERE id = 99');
    }
  });

  it('init finds these six columns, and --check finds the hand-written config complete', async () => {
    const fresh = workspace();
    const init = await runCli(['init', '--quiet'], { cwd: fresh, env });
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toMatch(/Found 6 column\(s\)/);
    for (const c of ['posts.body', 'notes.md', 'pages.blocks', 'items.image', 'galleries.pics', 'legacy.payload']) expect(init.stderr).toContain(`public.${c} →`);
    const check = await runCli(['init', '--check'], { cwd: workspace({ 'asset-audit.config.json': config }), env });
    expect(check.code, check.stderr).toBe(0);
  });
});
