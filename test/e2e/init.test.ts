/**
 * `asset-audit init` through the built CLI: references hidden in five kinds of column (bare ids in
 * varchar, HTML, JSONB, a text[] of CloudinaryField values, Markdown in one row of a thousand) are
 * all found and nothing else is; the written config drives detect; --check guards new columns.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const SECRET = 'init-s3cret-api-value';
const CLOUD = 'init-cloud';
let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;

const u = (rt: string, id: string, ext = 'jpg') => `https://res.cloudinary.com/${CLOUD}/${rt}/upload/c_fill,w_400/v1712345678/${id}.${ext}`;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const EXPECTED = ['public.articles.notes', 'public.galleries.images', 'public.pages.content', 'public.posts.body', 'public.profiles.avatar'];

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: CLOUD, apiKey: '4242', apiSecret: SECRET, rateLimit: 5000 });
  db = await startDatabase();
  const day = new Date(Date.now() - 86_400_000).toISOString();
  const add = (public_id: string, resource_type = 'image') => emu.addAsset({ public_id, resource_type: resource_type as 'image', created_at: day });
  for (let i = 0; i < 30; i++) add(`avatars/u${i}`);
  for (let i = 0; i < 10; i++) {
    add(`posts/hero_${i}`);
    add(`posts/wide_${i}`);
  }
  for (let i = 0; i < 5; i++) {
    add(`pages/block_${i}`);
    add(`pages/pid_${i}`);
  }
  for (let i = 0; i < 8; i++) add(`gallery/g${i}`);
  add('articles/deep');
  add('orphans/o1');
  add('orphans/o2');

  const rows = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(',');
  await db.exec(`
    CREATE TABLE profiles (id serial PRIMARY KEY, name text, avatar varchar(200), bio text);
    CREATE TABLE posts (id int PRIMARY KEY, title text, slug varchar(80), body text);
    CREATE TABLE pages (id int PRIMARY KEY, content jsonb, settings jsonb);
    CREATE TABLE galleries (id int PRIMARY KEY, images text[], tags text[]);
    CREATE TABLE articles (id bigint PRIMARY KEY, notes text, status char(8));
    CREATE TABLE mirrors (id int PRIMARY KEY, url text);
    CREATE TABLE links (href text, label varchar(40));
    INSERT INTO profiles (name, avatar, bio) VALUES ${rows(30, (i) => `(${q(`User ${i}`)}, ${i % 7 === 3 ? 'NULL' : q(`avatars/u${i}`)}, ${q(`I like photos and avatars. #${i}`)})`)};
    INSERT INTO profiles (name, avatar, bio) VALUES ('Lost', 'avatars/u30', NULL);
    INSERT INTO posts VALUES ${rows(10, (i) => `(${i}, ${q(`Post ${i}`)}, ${q(`post-${i}`)}, ${q(i % 3 === 0 ? `<p>Words only, ${i}</p>` : `<p>Hello</p><img src="${u('image', `posts/hero_${i}`)}" srcset="${u('image', `posts/hero_${i}`)} 1x, ${u('image', `posts/wide_${i}`, 'png')} 2x" alt="">`)})`)};
    INSERT INTO pages VALUES ${rows(5, (i) => `(${i}, ${q(JSON.stringify({ blocks: [{ type: 'image', src: u('image', `pages/block_${i}`) }, { type: 'asset', asset: { public_id: `pages/pid_${i}` } }, { type: 'text', text: 'hi' }] }))}, ${q(JSON.stringify({ theme: 'dark', homepage: 'https://example.com/', logo: 'https://cdn.example.com/logo.png' }))})`)};
    INSERT INTO galleries VALUES ${rows(4, (i) => `(${i}, ARRAY[${q(`image/upload/v1699999999/gallery/g${2 * i}.jpg`)}, ${q(`image/upload/v1699999999/gallery/g${2 * i + 1}.png`)}], ARRAY['summer', 'beach'])`)};
    INSERT INTO articles SELECT g, 'Some *markdown* without pictures, number ' || g, 'DRAFT' FROM generate_series(1, 1000) g;
    UPDATE articles SET notes = E'# Deep\\n\\nText with a picture: ![diagram](${u('image', 'articles/deep', 'png')}) and more.' WHERE id = 900;
    INSERT INTO mirrors VALUES (1, 'https://res.cloudinary.com/someone-else/image/upload/v1/a.jpg'), (2, 'https://res.cloudinary.com/someone-else/image/upload/v1/b.jpg');
    INSERT INTO links VALUES ('https://example.com/about', 'About'), ('/contact', 'Contact'), ('hello-world', 'slug');
  `);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

interface WrittenSource {
  name: string;
  table?: string;
  schema?: string;
  column?: string;
  id?: string;
  extract?: string;
}

function written(dir: string): { text: string; sources: WrittenSource[] } {
  const file = path.join(dir, 'asset-audit.config.json');
  const text = readFileSync(file, 'utf8');
  const parsed = parseConfigText(text, file);
  expect(parsed.errors).toEqual([]);
  return { text, sources: parsed.config!.references as WrittenSource[] };
}

const columnsOf = (sources: WrittenSource[]) => sources.map((s) => `${s.schema ?? 'public'}.${s.table}.${s.column}`).sort();

describe('asset-audit init', () => {
  let dir: string;

  it('finds the five columns holding references and nothing else, and writes a commented config', async () => {
    dir = workspace();
    const run = await runCli(['init'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toContain(SECRET);
    const { text, sources } = written(dir);
    expect(columnsOf(sources)).toEqual(EXPECTED);
    const by = Object.fromEntries(sources.map((s) => [`${s.table}.${s.column}`, s]));
    expect(by['posts.body']).toMatchObject({ name: 'posts_body', id: 'id', extract: 'text' });
    // json: documents are scanned whatever the mode, arrays read element by element: the default
    expect(by['pages.content']!.extract).toBe('auto');
    expect(by['articles.notes']).toMatchObject({ extract: 'text' });
    // the default, auto, is not written (the loader fills it in)
    expect(by['profiles.avatar']!.extract).toBe('auto');
    expect(text).not.toMatch(/"column": "avatar"[^\n]*"extract"/);
    expect(by['profiles.avatar']).toMatchObject({ id: 'id', title: 'name' });
    expect(by['galleries.images']!.extract).toBe('auto');
    expect(text).toMatch(/\/\/ public\.articles\.notes \(text\): 1 of \d+ sampled values hold references/);
    expect(text).toMatch(/1 of 1,000 rows mention Cloudinary/);
    expect(text).toMatch(/left out public\.mirrors\.url: 2 sampled value\(s\) hold only other clouds'/);
    expect(run.stderr).toContain('Found 5 column(s) holding Cloudinary references');
  });

  it('the written config drives detect: only the true orphans, only the true missing', async () => {
    const run = await runCli(['detect', '--all', '--json', '--quiet'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    // profiles with a NULL avatar (i % 7 == 3) and posts without pictures (i % 3 == 0) leave these unused
    const unused = ['orphans/o1', 'orphans/o2', ...[3, 10, 17, 24].map((i) => `avatars/u${i}`), ...[0, 3, 6, 9].flatMap((i) => [`posts/hero_${i}`, `posts/wide_${i}`])];
    expect(result.orphans.map((o: { publicId: string }) => o.publicId).sort()).toEqual(unused.sort());
    expect(result.missing.map((m: { publicId: string }) => m.publicId)).toEqual(['avatars/u30']);
  });

  it('refuses to overwrite: on an existing config it checks coverage instead; --force rewrites', async () => {
    const before = readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8');
    const again = await runCli(['init'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Every column that holds references is read by the config.');
    expect(readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8')).toBe(before);
    const forced = await runCli(['init', '--force', '--quiet'], { cwd: dir, env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(columnsOf(written(dir).sources)).toEqual(EXPECTED);
  });

  it('--check exits 0 when covered and 1 after a new reference column is added', async () => {
    expect((await runCli(['init', '--check'], { cwd: dir, env })).code).toBe(0);
    await db.exec(`ALTER TABLE posts ADD COLUMN cover json; UPDATE posts SET cover = ${q(JSON.stringify({ url: u('image', 'posts/hero_1') }))} WHERE id = 1`);
    try {
      const run = await runCli(['init', '--check'], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(/NOT COVERED\s+public\.posts\.cover/);
      expect(run.stderr).toContain('add: { "name": "posts_cover", "table": "posts", "column": "cover", "id": "id", "title": "title" }');
      expect(run.stderr).toMatch(/covered\s+public\.posts\.body \(by "posts_body"\)/);
    } finally {
      await db.exec('ALTER TABLE posts DROP COLUMN cover');
    }
  });

  it('query sources cover a column only when they return every sampled value unchanged', async () => {
    const base = written(dir).sources.filter((s) => s.column !== 'avatar');
    const full = workspace({ 'asset-audit.config.json': { references: [...base, { name: 'avatars', query: 'SELECT p.id, p.avatar AS ref FROM profiles p' }] } });
    const ok = await runCli(['init', '--check'], { cwd: full, env });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/covered\s+public\.profiles\.avatar \(by "avatars"\)/);

    const filtered = workspace({ 'asset-audit.config.json': { references: [...base, { name: 'avatars', query: 'SELECT id, avatar AS ref FROM profiles WHERE id < 10' }] } });
    const partial = await runCli(['init', '--check'], { cwd: filtered, env });
    expect(partial.code, partial.stderr).toBe(1);
    expect(partial.stderr).toMatch(/PARTLY\s+public\.profiles\.avatar/);
  });

  it('a covered column read with the wrong extract mode is reported', async () => {
    const sources = written(dir).sources.map((s) => (s.column === 'body' ? { ...s, extract: 'value' } : s));
    const ws = workspace({ 'asset-audit.config.json': { references: sources } });
    const run = await runCli(['init', '--check'], { cwd: ws, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/MISREAD\s+public\.posts\.body/);
  });

  it('without CLOUDINARY_URL it says so and finds only URL forms', async () => {
    const ws = workspace();
    const run = await runCli(['init'], { cwd: ws, env: { DATABASE_URL: db.url } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('CLOUDINARY_URL is not set');
    // without the account, bare ids are not recognised; any cloud's URLs count
    expect(columnsOf(written(ws).sources)).toEqual(['public.articles.notes', 'public.galleries.images', 'public.mirrors.url', 'public.pages.content', 'public.posts.body']);
  });

  it('exit codes: 2 for usage and config errors, 3 for an unreachable database', async () => {
    expect((await runCli(['init', '--check'], { cwd: workspace(), env })).code).toBe(2);
    expect((await runCli(['init'], { cwd: workspace(), env: { CLOUDINARY_URL: emu.cloudinaryUrl } })).code).toBe(2);
    expect((await runCli(['init', '--sample', 'lots'], { cwd: workspace(), env })).code).toBe(2);
    const broken = workspace();
    writeFileSync(path.join(broken, 'asset-audit.config.json'), '{ "references": [ { "name": "x" } ] }');
    const bad = await runCli(['init'], { cwd: broken, env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--force');
    const down = await runCli(['init'], { cwd: workspace(), env: { ...env, DATABASE_URL: 'postgres://u:pw-secret@127.0.0.1:1/db' } });
    expect(down.code, down.stderr).toBe(3);
    expect(down.stderr).not.toContain('pw-secret');
  });
});
