/**
 * `demo --storage local`: a generated Django media folder (profile pictures, e-signatures, QR codes,
 * forum images, donation receipts under upload_to date folders, a thumbnail cache) and an SQLite
 * app database whose FileField columns and HTML posts reference most of it. Some files are planted
 * as orphans (replaced pictures, old QR codes) and some rows name files that are gone.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Logger } from '../log.js';
import { startDemoDatabase } from './database.js';

/** One file in this many is an orphan (an old upload nobody references); one row in MISSING_EVERY names a file that is gone. */
const ORPHAN_EVERY = 20;
const MISSING_EVERY = 50;
const KINDS = ['profile_pics', 'e_signatures', 'qr_codes', 'forum_images', 'donation_receipts'] as const;

export interface LocalDemo {
  env: { STORAGE_URL: string; DATABASE_URL: string };
  configFile: string;
  expected: { orphans: number; missing: number; assets: number };
  stop(): Promise<void>;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

export async function startLocalDemo(log: Logger, total = 3_000): Promise<LocalDemo> {
  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-demo-local-'));
  const root = path.join(dir, 'media');
  const old = new Date(Date.now() - 40 * 86_400_000);
  const sql = [
    'CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, avatar TEXT, e_signature TEXT, status TEXT)',
    'CREATE TABLE forum_posts (id INTEGER PRIMARY KEY, title TEXT, body TEXT)',
    'CREATE TABLE receipts (id INTEGER PRIMARY KEY, file TEXT)',
  ];
  let orphans = 0;
  let missing = 0;
  let user = 0;
  let post = 0;
  let receipt = 0;
  for (let i = 0; i < total; i++) {
    const kind = KINDS[i % KINDS.length]!;
    const day = new Date(Date.UTC(2025, 0, 1) + Math.floor(i / 40) * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '/');
    const rel = kind === 'profile_pics' || kind === 'qr_codes' ? `${kind}/user_${i}.png` : `${kind}/${day}/file ${i}.${kind === 'donation_receipts' ? 'pdf' : 'png'}`;
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `demo ${i}`);
    utimesSync(file, old, old);
    if (i % ORPHAN_EVERY === 0) {
      orphans++;
      continue;
    }
    if (kind === 'forum_images') {
      const src = `/media/${rel.split('/').map(encodeURIComponent).join('/')}`;
      sql.push(`INSERT INTO forum_posts (id, title, body) VALUES (${++post}, ${q(`Post ${post}`)}, ${q(`<p>Hello</p><img src="${src}?w=600" alt="">`)})`);
    } else if (kind === 'donation_receipts') {
      sql.push(`INSERT INTO receipts (id, file) VALUES (${++receipt}, ${q(rel)})`);
    } else {
      sql.push(`INSERT INTO users (id, username, avatar, e_signature, status) VALUES (${++user}, ${q(`user${user}`)}, ${q(kind === 'e_signatures' ? '' : rel)}, ${q(kind === 'e_signatures' ? rel : '')}, 'ACTIVE')`);
    }
    if (i % MISSING_EVERY === 1) {
      missing++;
      sql.push(`INSERT INTO receipts (id, file) VALUES (${++receipt}, ${q(`donation_receipts/gone/receipt_${i}.pdf`)})`);
    }
  }
  // a thumbnail cache nobody references by path: ignored by the config, as init suggests
  mkdirSync(path.join(root, 'CACHE/images'), { recursive: true });
  writeFileSync(path.join(root, 'CACHE/images/thumb.jpg'), 'cache');
  const database = await startDemoDatabase('sqlite', sql, dir);
  log.info(`Generated a media folder (${root}) with ${(total + 1).toLocaleString('en-US')} files and ${database.description} referencing them`);
  const configFile = path.join(dir, 'asset-audit.config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        references: [
          { name: 'users.avatar', table: 'users', column: 'avatar', id: 'id', title: 'username', extract: 'value' },
          { name: 'users.e_signature', table: 'users', column: 'e_signature', id: 'id', title: 'username', extract: 'value' },
          { name: 'forum_posts.body', table: 'forum_posts', column: 'body', id: 'id', title: 'title', extract: 'text' },
          { name: 'receipts.file', table: 'receipts', column: 'file', id: 'id', extract: 'value' },
        ],
        ignore: ['CACHE/**'],
        storage: { url: 'file:media', mediaUrl: '/media/', hosts: ['demo.example.com'] },
      },
      null,
      2,
    ),
  );
  return {
    env: { STORAGE_URL: 'file:media', DATABASE_URL: database.url },
    configFile,
    expected: { orphans, missing, assets: total },
    stop: async () => {
      await database.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
