/**
 * The demo's sample: a media library of a few thousand assets and an app database that uses them
 * the ways real apps do — bare public_ids in a column, CloudinaryField values, delivery URLs inside
 * rich-text HTML, and JSON documents — with some files nobody uses (orphans) and some rows pointing
 * at files that are gone (missing, ACTIVE and soft-deleted). Deterministic: same sample every run.
 */
import type { AssetInput } from '../emulator/index.js';
import { mulberry32 as prng } from '../emulator/prng.js';

export const DEMO_CLOUD = 'asset-audit-demo';
/** Enough for several listing pages per partition, small enough to run in a few seconds. */
export const DEMO_ASSETS = 3_000;

const DAY = 86_400_000;


/** The demo's two databases: an SQLite file (the default: starts at once) or PGlite (embedded Postgres). */
export const DEMO_DATABASES = ['sqlite', 'pglite'] as const;
export type DemoDatabase = (typeof DEMO_DATABASES)[number];

/** Column types that differ: SQLite keeps JSON and timestamps as text. */
const COLUMN_TYPES: Record<DemoDatabase, { json: string; timestamp: string }> = {
  sqlite: { json: 'TEXT', timestamp: 'TEXT' },
  pglite: { json: 'jsonb', timestamp: 'timestamptz' },
};

export interface DemoSample {
  assets: AssetInput[];
  /** SQL that creates and fills the app's tables. */
  sql: string[];
  /** What detect should find, for the summary line and the tests. */
  expected: { orphans: number; missing: number };
}

const TITLES = ['Sunset over the bay', 'Mountain view', 'City lights', 'Forest path', 'Desert dunes', 'Harbour at dawn', 'Snowy peaks', 'Autumn leaves'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'];
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

export function demoSample(total = DEMO_ASSETS, database: DemoDatabase = 'sqlite', now = Date.now()): DemoSample {
  const types = COLUMN_TYPES[database];
  const rand = prng(2024);
  const cloud = DEMO_CLOUD;
  const assets: AssetInput[] = [];
  const at = (i: number) => new Date(now - (1 + Math.floor((i * 365) / total) + rand()) * DAY).toISOString().replace(/\.\d+Z$/, 'Z');
  const kinds = { prompt: Math.floor(total * 0.5), avatar: Math.floor(total * 0.15), article: Math.floor(total * 0.15), product: Math.floor(total * 0.1), clip: Math.floor(total * 0.05) };
  const docs = total - kinds.prompt - kinds.avatar - kinds.article - kinds.product - kinds.clip;
  let i = 0;
  const add = (a: Omit<AssetInput, 'created_at' | 'bytes'>, bytes: number) => {
    const asset = { ...a, created_at: at(i++), bytes };
    assets.push(asset);
    return asset;
  };
  const used = (): boolean => rand() >= 0.06; // about 6 % of uploads end up unused: the orphans
  let orphans = 0;
  const track = <T>(u: boolean, v: T): T | undefined => {
    if (!u) orphans++;
    return u ? v : undefined;
  };

  // prompts: CloudinaryField values ("image/upload/v…/prompts/x.jpg"), some soft-deleted
  const prompts: string[] = [];
  for (let k = 0; k < kinds.prompt; k++) {
    const a = add({ public_id: `prompts/${TITLES[k % TITLES.length]!.toLowerCase().replace(/ /g, '_')}_${k}`, resource_type: 'image', format: k % 5 ? 'jpg' : 'png' }, 200_000 + Math.floor(rand() * 3_000_000));
    const ref = track(used(), `image/upload/v1712345678/${a.public_id}.${a.format}`);
    if (ref) prompts.push(`(${k + 1}, ${q(`${TITLES[k % TITLES.length]} #${k}`)}, ${1 + (k % USERS.length)}, ${q(ref)}, ${rand() < 0.1 ? 'CURRENT_TIMESTAMP' : 'NULL'})`);
  }
  // users: bare public_ids of their avatars
  const users: string[] = USERS.map((u, k) => `(${k + 1}, ${q(u)}, NULL)`);
  for (let k = 0; k < kinds.avatar; k++) {
    const a = add({ public_id: `avatars/user_${k}`, resource_type: 'image', format: 'jpg' }, 20_000 + Math.floor(rand() * 200_000));
    const ref = track(used(), a.public_id);
    if (ref) users.push(`(${USERS.length + k + 1}, ${q(`member${k}`)}, ${q(ref)})`);
  }
  // articles: rich-text HTML bodies with transformed delivery URLs, several images per body
  const articleBodies: string[][] = [];
  for (let k = 0; k < kinds.article; k++) {
    const a = add({ public_id: `articles/figure_${k}`, resource_type: 'image', format: 'jpg' }, 100_000 + Math.floor(rand() * 1_500_000));
    const ref = track(used(), `https://res.cloudinary.com/${cloud}/image/upload/c_fill,w_800/v1712345678/${a.public_id}.jpg`);
    if (ref) (articleBodies[k % 150] ??= []).push(ref);
  }
  // clips: videos embedded in the same articles
  for (let k = 0; k < kinds.clip; k++) {
    const a = add({ public_id: `clips/clip_${k}`, resource_type: 'video', format: 'mp4' }, 2_000_000 + Math.floor(rand() * 30_000_000));
    const ref = track(used(), `https://res.cloudinary.com/${cloud}/video/upload/q_auto/v1712345678/${a.public_id}.mp4`);
    if (ref) (articleBodies[k % 150] ??= []).push(ref);
  }
  // products: JSON documents with a gallery of URLs and public_id keys
  const products: string[] = [];
  const galleries: Array<Array<Record<string, string>>> = [];
  for (let k = 0; k < kinds.product; k++) {
    const a = add({ public_id: `products/sku_${k}`, resource_type: 'image', format: 'png' }, 50_000 + Math.floor(rand() * 800_000));
    if (track(used(), true)) (galleries[k % 80] ??= []).push(k % 2 ? { public_id: a.public_id, alt: `Product ${k}` } : { url: `https://res.cloudinary.com/${cloud}/image/upload/v1712345678/${a.public_id}.png`, alt: `Product ${k}` });
  }
  // documents: raw files (the extension is part of the public_id), referenced by URL
  const documents: string[] = [];
  for (let k = 0; k < docs; k++) {
    const a = add({ public_id: `docs/manual_${k}.pdf`, resource_type: 'raw', format: 'pdf' }, 300_000 + Math.floor(rand() * 5_000_000));
    const ref = track(used(), `https://res.cloudinary.com/${cloud}/raw/upload/v1712345678/${a.public_id}`);
    if (ref) documents.push(`(${k + 1}, ${q(`Manual ${k}`)}, ${q(ref)})`);
  }

  // the other kind of rot: rows pointing at files that are gone
  let missing = 0;
  for (let k = 0; k < 8; k++, missing++) {
    prompts.push(`(${100_000 + k}, ${q(`Lost upload #${k}`)}, ${1 + (k % USERS.length)}, ${q(`image/upload/v1712345678/prompts/deleted_in_console_${k}.jpg`)}, ${k % 3 === 0 ? 'CURRENT_TIMESTAMP' : 'NULL'})`);
  }
  for (let k = 0; k < 3; k++, missing++) users.push(`(${50_000 + k}, ${q(`ghost${k}`)}, ${q(`avatars/never_uploaded_${k}`)})`);
  (articleBodies[0] ??= []).push(`https://res.cloudinary.com/${cloud}/image/upload/w_600/v1/articles/removed_figure.jpg`);
  missing++;
  products.push(`(${90_000}, ${q('Discontinued lamp')}, ${q(JSON.stringify({ gallery: [{ public_id: 'products/discontinued_lamp', alt: 'Lamp' }] }))})`);
  missing++;

  // flatMap skips the holes a small sample leaves (an article whose every figure went unused)
  const articles = articleBodies.flatMap((urls, k) => {
    const body = urls.map((u, n) => (u.includes('/video/') ? `<video controls src="${u}"></video>` : `<p>Section ${n + 1}</p><figure><img src="${u}" alt="figure"></figure>`)).join('\n');
    return [`(${k + 1}, ${q(`Article ${k + 1}`)}, ${q(`<h1>Article ${k + 1}</h1>\n${body}`)})`];
  });
  galleries.forEach((g, k) => products.push(`(${k + 1}, ${q(`Product line ${k + 1}`)}, ${q(JSON.stringify({ gallery: g, theme: { background: '#fff' } }))})`));

  const insert = (table: string, rows: string[]) => {
    const out: string[] = [];
    for (let k = 0; k < rows.length; k += 500) out.push(`INSERT INTO ${table} VALUES ${rows.slice(k, k + 500).join(',\n')};`);
    return out;
  };
  const sql = [
    `CREATE TABLE users (id int PRIMARY KEY, username text NOT NULL, avatar text);
     CREATE TABLE prompts (id int PRIMARY KEY, title text, author_id int, featured_image varchar(255), deleted_at ${types.timestamp});
     CREATE TABLE articles (id int PRIMARY KEY, title text, body text);
     CREATE TABLE products (id int PRIMARY KEY, name text, media ${types.json});
     CREATE TABLE documents (id int PRIMARY KEY, title text, file_url text);`,
    ...insert('users', users),
    ...insert('prompts', prompts),
    ...insert('articles', articles),
    ...insert('products (id, name, media)', products),
    ...insert('documents', documents),
  ];
  return { assets, sql, expected: { orphans, missing } };
}

/** The demo's configuration file: one source per way the sample stores references. */
export const demoConfig = {
  references: [
    {
      name: 'prompts',
      query:
        "SELECT p.id, p.title, u.username AS author, p.featured_image AS ref, CASE WHEN p.deleted_at IS NULL THEN 'ACTIVE' ELSE 'DELETED' END AS status FROM prompts p LEFT JOIN users u ON u.id = p.author_id",
      recordUrl: 'https://app.example.com/prompts/{id}/',
    },
    { name: 'avatars', table: 'users', column: 'avatar', id: 'id', title: 'username' },
    { name: 'articles', table: 'articles', column: 'body', id: 'id', title: 'title', extract: 'text' },
    { name: 'products', table: 'products', column: 'media', id: 'id', title: 'name', extract: 'text' },
    { name: 'documents', table: 'documents', column: 'file_url', id: 'id', title: 'title' },
  ],
  reportsDir: 'reports',
};
