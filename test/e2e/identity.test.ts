import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import cloudinaryPkg from 'cloudinary';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { readReport } from '../../src/report/read.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

/**
 * Identity is (resource type, delivery type, public_id): a typed reading keeps only the asset it
 * names, a bare id every asset with its public_id; other clouds and cached search URLs keep nothing.
 */
const CLOUD = 'ident-cloud';
const DAY = 86_400_000;
const PLENTY = 100_000;
const config = {
  references: [
    { name: 'photos', table: 'photos', column: 'image', id: 'id' },
    { name: 'articles', table: 'articles', column: 'body', id: 'id', extract: 'text' },
    { name: 'docs', table: 'docs', column: 'file', id: 'id' },
  ],
};

const RES = `https://res.cloudinary.com/${CLOUD}`;
const ASSETS: Array<[rt: 'image' | 'video' | 'raw', type: 'upload' | 'private', publicId: string]> = [
  ['image', 'private', 'contracts/c_x'],
  ['image', 'upload', 'contracts/c_x'],
  ['video', 'upload', 'media/clip_x'],
  ['image', 'upload', 'media/clip_x'],
  ['video', 'upload', 'clips/a'],
  ['image', 'upload', 'clips/a'],
  ['image', 'upload', 'shared/logo'],
  ['video', 'upload', 'shared/logo'],
  ['video', 'upload', 'shared/only_video'],
  ['image', 'upload', 'typed/one'],
  ['raw', 'upload', 'typed/one'],
  ['image', 'upload', 'foreign/a'],
  ['image', 'upload', 'foreign/b'],
  ['image', 'upload', 'custom/a'],
  ['image', 'private', 'custom/a'],
  ['image', 'upload', 'contracts/gone'],
];

/** rt/type/public_id → note (undefined: none). */
const ORPHANS: Record<string, string | undefined> = {
  'image/upload/contracts/c_x': 'public_id referenced as image/private',
  'image/upload/media/clip_x': 'public_id referenced as video/upload',
  'image/upload/clips/a': 'public_id referenced as video/upload',
  'raw/upload/typed/one': 'public_id referenced as image/upload',
  'image/upload/foreign/a': undefined,
  'image/private/custom/a': 'public_id referenced as image/upload',
  'image/upload/contracts/gone': 'public_id referenced as image/private',
};

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
let searchUrl: string;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: CLOUD, apiKey: '77', apiSecret: 'identity-test-secret', rateLimit: PLENTY });
  const old = new Date(Date.now() - 10 * DAY).toISOString();
  for (const [rt, type, publicId] of ASSETS) emu.addAsset({ public_id: publicId, resource_type: rt, type, format: rt === 'video' ? 'mp4' : rt === 'raw' ? '' : 'jpg', created_at: old });
  // a cached search URL as the SDK builds it for this very cloud
  searchUrl = cloudinaryPkg.v2.search.expression('folder:contracts/*').to_url(300, undefined, { cloud_name: CLOUD, api_secret: 'identity-test-secret', secure: true });
  db = await startDatabase();
  await db.exec(`CREATE TABLE photos (id int PRIMARY KEY, image text); CREATE TABLE articles (id int PRIMARY KEY, body text); CREATE TABLE docs (id int PRIMARY KEY, file text);`);
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const photos = [
    'shared/logo', // bare: every asset with this public_id
    'shared/only_video', // bare: found as a video, never missing
    `${RES}/image/upload/v1712345678/typed/one.jpg`, // typed: the image only
    'https://res.cloudinary.com/othercloud/image/upload/v1/foreign/a.jpg', // another cloud: nothing
    searchUrl, // search results, not an asset
  ];
  await db.exec(`INSERT INTO photos VALUES ${photos.map((v, i) => `(${i + 1}, ${q(v)})`).join(',')}`);
  await db.exec(`INSERT INTO articles VALUES
    (1, ${q(`<video controls src="${RES}/video/upload/q_auto/v1/media/clip_x.mp4"></video>`)}),
    (2, ${q(`<img src="${RES}/video/upload/so_2/v1/clips/a.jpg" alt="poster">`)}),
    (3, ${q('<img src="https://othercloud-res.cloudinary.com/image/upload/v1/foreign/b.jpg">')}),
    (4, ${q(`<p>see <a href="${searchUrl}">all contracts</a></p>`)})`);
  await db.exec(`INSERT INTO docs VALUES
    (1, 'image/private/v1712345678/contracts/c_x.jpg'),
    (2, 'image/private/v1712345678/contracts/gone.jpg'),
    (3, ${q(`https://media.example.net/${CLOUD}/image/upload/v1/custom/a.jpg`)})`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

const key = (o: Record<string, string>) => `${o.resource_type}/${o.type}/${o.public_id}`;

describe('identity is (resource type, delivery type, public_id)', () => {
  let dir: string;
  let csvText: string;

  it('reports the copies a typed reference does not name, each with a note, and nothing for other clouds or search URLs', async () => {
    dir = workspace({ 'asset-audit.config.json': config });
    const run = await runCli(['detect', '--days', '30', '-o', 'report.csv'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    csvText = readFileSync(path.join(dir, 'report.csv'), 'utf8');
    expect(csvText.split('\n')[1]).toBe('public_id,resource_type,type,size_bytes,size_mb,format,uploaded_at,cloudinary_url,asset_id,note');
    const report = readReport(csvText);
    expect(Object.fromEntries(report.orphans.map((o) => [key(o), o.note]))).toEqual(Object.fromEntries(Object.entries(ORPHANS).map(([k, n]) => [k, n ?? ''])));
    // a typed reference requires exactly its asset: the public copy does not make the private one present
    expect(report.missing.map((m) => `${m.source}:${m.record_id}:${key(m)}`)).toEqual(['docs:2:image/private/contracts/gone']);
    expect(report.unverified).toEqual([]);

    const json = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const notes = Object.fromEntries(json.orphans.map((o: { resourceType: string; type: string; publicId: string; note?: string }) => [`${o.resourceType}/${o.type}/${o.publicId}`, o.note]));
    expect(notes).toEqual(ORPHANS);
    expect(json.orphans.find((o: { publicId: string }) => o.publicId === 'foreign/a')).not.toHaveProperty('note');
    // foreign, never missing: two other-cloud URLs and the search URL twice protect nothing; the
    // unlisted custom host keeps its typed path (custom/a above)
    expect(json.references.foreign.samples.map((s: { source: string; recordId: string; reason: string }) => `${s.source}:${s.recordId} ${s.reason}`).sort()).toEqual([
      "articles:3 another cloud's private CDN host (othercloud)",
      'articles:4 cached search URL',
      'docs:3 not a Cloudinary host (media.example.net)',
      'photos:4 another cloud (othercloud)',
      'photos:5 cached search URL',
    ]);
    expect(json.missing.some((m: { reference: string }) => m.reference.includes('/search/'))).toBe(false);
    expect(json.valid).toBe(ASSETS.length - Object.keys(ORPHANS).length);
  });

  it('delete re-verifies with the same rule: a bare id now keeps its asset, a typed one only its own', async () => {
    // since the scan: a bare `media/clip_x` (keeps the image copy too) and a typed private
    // `foreign/a` (does not keep the public one)
    await db.exec(`INSERT INTO photos VALUES (100, 'media/clip_x'), (101, 'image/private/v1/foreign/a.jpg')`);
    const run = await runCli(['delete', '--input', 'report.csv', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Skipped, referenced in the database now: 1\n {2}- media\/clip_x\n/);
    expect(run.stderr).toContain('Deleted 6, already gone 0, skipped 1, failed 0');
    const left = new Set(emu.allAssets().map((a) => `${a.resource_type}/${a.type}/${a.public_id}`));
    for (const k of Object.keys(ORPHANS)) expect(left.has(k), k).toBe(k === 'image/upload/media/clip_x');
    for (const kept of ['image/private/contracts/c_x', 'video/upload/media/clip_x', 'video/upload/clips/a', 'image/upload/shared/logo', 'video/upload/shared/logo', 'image/upload/typed/one', 'image/upload/custom/a', 'image/upload/foreign/b']) {
      expect(left.has(kept), kept).toBe(true);
    }
  });
});

describe('a resumed scan protects exactly what an uninterrupted one does', () => {
  beforeAll(async () => {
    // put back what the delete test removed
    const old = new Date(Date.now() - 10 * DAY).toISOString();
    for (const [rt, type, publicId] of ASSETS) {
      if (!emu.getAsset(rt, type, publicId)) emu.addAsset({ public_id: publicId, resource_type: rt, type, format: rt === 'video' ? 'mp4' : rt === 'raw' ? '' : 'jpg', created_at: old });
    }
  });

  it.each([2, 3])('stopped after %i call(s)', async (calls) => {
    emu.setRateLimit({ remaining: PLENTY });
    const full = workspace({ 'asset-audit.config.json': config });
    expect((await runCli(['detect', '--days', '30', '-o', 'full.csv'], { cwd: full, env })).code).toBe(1);
    const expected = readFileSync(path.join(full, 'full.csv'), 'utf8');
    expect(expected).toContain('public_id referenced as image/private');

    const dir = workspace({ 'asset-audit.config.json': config });
    emu.setRateLimit({ remaining: calls });
    const first = await runCli(['detect', '--days', '30', '--rate-limit-stop', '100'], { cwd: dir, env });
    emu.setRateLimit({ remaining: PLENTY });
    expect(first.code, first.stderr).toBe(4);
    const reports = path.join(dir, 'reports');
    const checkpoint = path.join(reports, readdirSync(reports).find((f) => f.endsWith('.checkpoint.json'))!);
    const resumed = await runCli(['detect', '--resume', checkpoint, '-o', 'resumed.csv'], { cwd: dir, env });
    expect(resumed.code, resumed.stderr).toBe(1);
    expect(readFileSync(path.join(dir, 'resumed.csv'), 'utf8')).toBe(expected);
  });

  it('refuses a checkpoint written under the public_id-only rule', async () => {
    const dir = workspace({ 'asset-audit.config.json': config });
    emu.setRateLimit({ remaining: 2 });
    expect((await runCli(['detect', '--days', '30', '--rate-limit-stop', '100'], { cwd: dir, env })).code).toBe(4);
    emu.setRateLimit({ remaining: PLENTY });
    const reports = path.join(dir, 'reports');
    const file = path.join(reports, readdirSync(reports).find((f) => f.endsWith('.checkpoint.json'))!);
    // the first line is the checkpoint itself; the orphans follow it, one a line
    const [head, ...rows] = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [JSON.stringify({ ...JSON.parse(head!), version: 1 }), ...rows].join('\n'));
    const run = await runCli(['detect', '--resume', file], { cwd: dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/checkpoint version 1; this asset-audit reads versions 2 and 3\. Start a new scan/);
  });
});
