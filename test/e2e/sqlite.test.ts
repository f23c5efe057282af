/**
 * A Django app on SQLite (the tables as Django's migrations create them, WAL mode): init finds the
 * columns, init --check passes, detect finds exactly the orphans, doctor sees the read-only file,
 * and the URL forms (sqlite:///abs, sqlite:relative, file:) all name the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startSqlite, type TestDatabase } from '../support/database.js';

const CLOUD = 'django-cloud';
let emu: CloudinaryEmulator;
let db: TestDatabase;
let file: string;
let env: Record<string, string>;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const url = (id: string) => `https://res.cloudinary.com/${CLOUD}/image/upload/c_fill,w_600/v1712345678/${id}.jpg`;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: CLOUD, apiKey: '77', apiSecret: 'django-sqlite-secret' });
  db = await startSqlite();
  file = new URL(db.url.replace(/^sqlite:/, 'file:')).pathname;
  const old = new Date(Date.now() - 5 * 86_400_000).toISOString();
  for (let i = 0; i < 12; i++) emu.addAsset({ public_id: `avatars/u${i}`, created_at: old });
  for (let i = 0; i < 6; i++) emu.addAsset({ public_id: `posts/cover_${i}`, created_at: old });
  for (let i = 0; i < 4; i++) emu.addAsset({ public_id: `orphans/o${i}`, created_at: old });
  await db.exec(`
    CREATE TABLE "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);
    CREATE TABLE "accounts_profile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(100) NOT NULL, "avatar" varchar(255) NULL, "settings" text NOT NULL CHECK ((JSON_VALID("settings") OR "settings" IS NULL)));
    CREATE TABLE "blog_post" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "title" varchar(200) NOT NULL, "body" text NOT NULL, "views" integer NOT NULL);
    INSERT INTO django_migrations (app, name, applied) VALUES ('accounts', '0001_initial', '2024-01-01 00:00:00');
  `);
  for (let i = 0; i < 12; i++) {
    await db.exec(`INSERT INTO accounts_profile (name, avatar, settings) VALUES (${q(`User ${i}`)}, ${q(`image/upload/v1699999999/avatars/u${i}.jpg`)}, ${q(JSON.stringify({ theme: 'dark', n: i }))})`);
  }
  for (let i = 0; i < 6; i++) {
    await db.exec(`INSERT INTO blog_post (title, body, views) VALUES (${q(`Post ${i}`)}, ${q(`<p>Hi</p><img src="${url(`posts/cover_${i}`)}" alt="">`)}, ${i})`);
  }
  // a reference to an asset that is gone
  await db.exec(`INSERT INTO blog_post (title, body, views) VALUES ('Lost', ${q(`<img src="${url('posts/lost')}">`)}, 0)`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe('a Django app on SQLite', () => {
  let dir: string;

  it('init finds the two columns that hold references and nothing else', async () => {
    dir = workspace();
    const run = await runCli(['init'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const config = parseConfigText(readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8'), 'c.json').config!;
    const sources = config.references.map((s) => ('table' in s ? `${s.table}.${s.column}` : s.query)).sort();
    expect(sources).toEqual(['accounts_profile.avatar', 'blog_post.body']);
    expect(config.references.find((s) => 'table' in s && s.table === 'accounts_profile')).toMatchObject({ id: 'id', title: 'name' });
    expect(config.references.some((s) => 'schema' in s && s.schema)).toBe(false);
  });

  it('init --check finds every column covered', async () => {
    const run = await runCli(['init', '--check'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/covered {6}main\.accounts_profile\.avatar/);
  });

  it('detect finds exactly the orphans and the missing reference, from a sqlite:relative URL', async () => {
    const rel = path.relative(dir, file);
    const run = await runCli(['detect', '--all', '--json', '--quiet'], { cwd: dir, env: { ...env, DATABASE_URL: `sqlite:${rel}` } });
    expect(run.code, run.stderr).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.orphans.map((o: { publicId: string }) => o.publicId).sort()).toEqual(['orphans/o0', 'orphans/o1', 'orphans/o2', 'orphans/o3']);
    expect(result.missing).toEqual([expect.objectContaining({ publicId: 'posts/lost', title: 'Lost' })]);
  });

  it('doctor sees a read-only file and counts each source, from a file: URL', async () => {
    const run = await runCli(['doctor'], { cwd: dir, env: { ...env, DATABASE_URL: `file://${file}` } });
    expect(run.stderr).toMatch(/\[ ok \] DATABASE_URL: .*db\.sqlite3 \(SQLite file, opened read-only\)/);
    expect(run.stderr).toMatch(/\[ ok \] database: .*file opened read-only, query_only on, one read transaction \(journal mode wal/);
    expect(run.stderr).toMatch(/\[ ok \] source "accounts_profile_avatar": 12 row\(s\)/);
  });

  it('a file that does not exist is a database error that says how to write the URL; nothing is created', async () => {
    const run = await runCli(['detect', '--all'], { cwd: dir, env: { ...env, DATABASE_URL: 'sqlite:///no/such/dir/db.sqlite3' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\/no\/such\/dir\/db\.sqlite3.*sqlite:RELATIVE\/db\.sqlite3/);
    const missing = await runCli(['detect', '--all'], { cwd: dir, env: { ...env, DATABASE_URL: 'sqlite:missing.sqlite3' } });
    expect(missing.code).toBe(3);
    expect(existsSync(path.join(dir, 'missing.sqlite3'))).toBe(false);
  });

  it('a sqlite://host/… URL is a usage error', async () => {
    const run = await runCli(['detect', '--all'], { cwd: dir, env: { ...env, DATABASE_URL: 'sqlite://db.example.com/app.db' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/names a host; an SQLite URL names a file/);
  });
});
