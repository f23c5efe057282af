/**
 * The media-folder bench: `npm run bench -- --local 1000000` (or `npm run bench:local -- --files N`).
 *
 * N small files in a Django-like tree (upload_to date folders, 1,000 files a folder) and an SQLite
 * database whose FileField column references 90 % of them plus N/10 paths that do not exist; then
 * `asset-audit detect --all` spawned as a user would run it, under GNU time. Prints wall time,
 * files walked and judged per second, and the CLI's peak RSS (the child alone). Building the tree
 * takes longer than the scan; it is removed afterwards.
 */
import { timedCli } from './timed-cli.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

const PER_FOLDER = 1000;

const fileOf = (i: number): string => {
  const folder = Math.floor(i / PER_FOLDER);
  const day = new Date(Date.UTC(2020, 0, 1) + folder * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '/');
  return `uploads/${day}/photo_${i}.jpg`;
};

function buildTree(root: string, n: number): void {
  const content = Buffer.from('x');
  let folder = '';
  for (let i = 0; i < n; i++) {
    const rel = fileOf(i);
    const dir = path.dirname(rel);
    if (dir !== folder) {
      mkdirSync(path.join(root, dir), { recursive: true });
      folder = dir;
    }
    writeFileSync(path.join(root, rel), content);
  }
}

function buildDatabase(file: string, n: number): void {
  const db = new Database(file);
  db.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, image TEXT)');
  const insert = db.prepare('INSERT INTO photos (id, image) VALUES (?, ?)');
  db.transaction(() => {
    let id = 0;
    for (let i = 0; i < n; i++) if (i % 10 !== 0) insert.run(++id, fileOf(i));
    for (let i = 0; i < n / 10; i++) insert.run(++id, `uploads/gone/missing_${i}.jpg`);
  })();
  db.close();
}

export async function benchLocal(n: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asset-audit-bench-local-'));
  try {
    const built = Date.now();
    buildTree(path.join(dir, 'media'), n);
    buildDatabase(path.join(dir, 'db.sqlite3'), n);
    writeFileSync(
      path.join(dir, 'asset-audit.config.json'),
      JSON.stringify({ references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id', extract: 'value' }], storage: { url: 'file:media', mediaUrl: '/media/' } }),
    );
    process.stderr.write(`built ${n.toLocaleString('en-US')} files and ${Math.round(n * 1.0).toLocaleString('en-US')} rows in ${((Date.now() - built) / 1000).toFixed(1)} s\n`);
    const { code, wallS: wall, rssMb } = await timedCli(['detect', '--all', '--quiet', '--output', 'r.csv'], {
      cwd: dir,
      env: { ...process.env, DATABASE_URL: `sqlite://${path.join(dir, 'db.sqlite3')}`, NO_COLOR: '1' },
    });
    const result = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as { orphans: unknown[]; missing: unknown[]; complete: boolean };
    console.log(`| files | rows | wall (s) | files/s | peak RSS (MB) | orphans | missing | complete | exit |`);
    console.log(`|---:|---:|---:|---:|---:|---:|---:|---|---:|`);
    console.log(
      `| ${n.toLocaleString('en-US')} | ${Math.round(n).toLocaleString('en-US')} | ${wall.toFixed(1)} | ${Math.round(n / wall).toLocaleString('en-US')} | ${rssMb !== undefined ? Math.round(rssMb) : '?'} | ${result.orphans.length.toLocaleString('en-US')} | ${result.missing.length.toLocaleString('en-US')} | ${result.complete} | ${code} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const at = process.argv.indexOf('--files');
  await benchLocal(Number(at > 0 ? process.argv[at + 1] : 100_000));
}
