/**
 * A Django media folder end to end, on SQLite and PostgreSQL: detect finds exactly the orphans and
 * the missing files of a tree with date folders, spaces, Unicode twins, `%`, one name in two
 * folders, case variants, a symlink out of the root, an unreadable folder and an empty file;
 * delete moves orphans into the quarantine and restore puts them back byte for byte; a file changed
 * after the report is left alone. Under root the CLI runs as `nobody`, so the unreadable folder is
 * unreadable to it (root reads a chmod 000 folder).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReport } from '../../src/report/read.js';
import { runCli } from '../support/cli.js';
import { startHookServer } from '../support/hook-server.js';
import { startSmtp } from '../support/smtp.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { CONFIG, DJANGO_SQL, EXPECTED_MISSING, EXPECTED_ORPHANS, FILES, mediaTree, NFC, NFD, openTo, unlock, type MediaTree } from '../support/media-tree.js';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

interface Twin {
  listing: { gaps?: unknown; apart: { samples: Array<{ key: string }> } };
  ignored: number;
  references: { invalid: { samples: Array<{ value: string }> } };
  warnings: string[];
}

interface World {
  tree: MediaTree;
  url: string;
  close(): Promise<void>;
}

/** The Django rows in a SQLite file of the tree's workspace (readable by the CLI's user). */
async function sqliteWorld(): Promise<World> {
  const tree = mediaTree();
  const file = path.join(tree.dir, 'db.sqlite3');
  const db = new Database(file);
  for (const sql of DJANGO_SQL(q)) db.exec(sql);
  db.close();
  openTo([file], tree.runAs);
  return { tree, url: `sqlite://${file}`, close: async () => undefined };
}

async function postgresWorld(): Promise<World> {
  const tree = mediaTree();
  const db: TestDatabase = await startDatabase();
  for (const sql of DJANGO_SQL(q)) await db.exec(sql);
  return { tree, url: db.url, close: () => db.close() };
}

const ENGINES: Array<[string, () => Promise<World>]> = [
  ['sqlite', sqliteWorld],
  ['postgres', postgresWorld],
];

describe.each(ENGINES)('a Django media folder with %s', (_name, start) => {
  let w: World;
  const cli = (args: string[], env: Record<string, string> = {}) =>
    runCli(args, { cwd: w.tree.dir, env: { DATABASE_URL: w.url, HOME: w.tree.dir, ...env }, runAs: w.tree.runAs });
  const detect = async (name: string) => {
    const run = await cli(['detect', '--all', '--output', `${name}.csv`]);
    const csv = path.join(w.tree.dir, `${name}.csv`);
    return { run, csv, report: readReport(readFileSync(csv, 'utf8')), json: JSON.parse(readFileSync(csv.replace(/\.csv$/, '.json'), 'utf8')) as Twin };
  };

  beforeAll(async () => {
    w = await start();
    writeFileSync(path.join(w.tree.dir, 'asset-audit.config.json'), JSON.stringify(CONFIG, null, 2));
    openTo([path.join(w.tree.dir, 'asset-audit.config.json')], w.tree.runAs);
  });

  afterAll(async () => {
    if (w) {
      unlock(w.tree);
      rmSync(w.tree.dir, { recursive: true, force: true });
      await w.close();
    }
  });

  it('detect finds exactly the orphans and the missing files, and says what it could not see (exit 4)', async () => {
    const { run, report, json } = await detect('scan');
    expect(run.code, run.stderr).toBe(4);
    expect(report.backend).toBe('local');
    expect(report.orphans.map((o) => o.path)).toEqual(EXPECTED_ORPHANS);
    expect(report.orphans.find((o) => o.path === 'empty.txt')).toMatchObject({ size_bytes: '0', format: 'txt', url: 'https://example.com/media/empty.txt' });
    expect(report.missing.map((m) => m.public_id).sort()).toEqual(EXPECTED_MISSING);
    // the unreadable folder hides what a reference names there: not missing, not settled
    expect(report.unverified.map((m) => m.public_id)).toEqual(['private/secret.jpg']);
    expect(report.incomplete).toMatch(/private\/: unreadable \(EACCES\)/);
    expect(json.listing.gaps).toEqual({ count: 1, samples: [{ key: 'private/', reason: 'unreadable (EACCES)' }] });
    // symlinks are counted apart, never followed, never orphans
    expect(json.listing.apart.samples.map((a) => a.key).sort()).toEqual(['links/outside.jpg', 'links/up']);
    expect(json.ignored).toBe(1);
    expect(json.references.invalid.samples.map((s) => s.value)).toEqual(['../etc/passwd']);
    // which spelling the folder lists first is the filesystem's business
    const twins = json.warnings.filter((x) => x.includes('NFC/NFD'));
    expect(twins).toHaveLength(1);
    expect([`${JSON.stringify(NFD)} and ${JSON.stringify(NFC)}`, `${JSON.stringify(NFC)} and ${JSON.stringify(NFD)}`].some((pair) => twins[0]!.includes(pair))).toBe(true);
    // the HTML, Markdown-URL and JSON-text references kept their files
    for (const kept of ['forum_images/img one.png', 'forum_images/photo.jpg', 'forum_images/from-json.png', 'uploads/2024/02/01/100%.png', `uploads/2024/01/15/${NFC}`]) {
      expect(report.orphans.map((o) => o.path)).not.toContain(kept);
    }
    expect(run.stderr).toContain('Set apart, never orphans: 2');
  });

  it('--days uses the files\' modification time: older files are not judged, references are still checked', async () => {
    const run = await cli(['detect', '--days', '5', '--output', 'recent.csv']);
    expect(run.code, run.stderr).toBe(4);
    const report = readReport(readFileSync(path.join(w.tree.dir, 'recent.csv'), 'utf8'));
    expect(report.orphans).toEqual([]);
    expect(report.missing.map((m) => m.public_id).sort()).toEqual(EXPECTED_MISSING);
  });

  it('delete moves the orphans into the quarantine, and restore puts them back byte for byte', async () => {
    const before = new Map(Object.keys(FILES).map((rel) => [rel, { sha: sha(path.join(w.tree.root, rel)), mtime: statSync(path.join(w.tree.root, rel)).mtimeMs }]));
    const { csv } = await detect('round-trip');
    const dry = await cli(['delete', '--input', csv]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/Dry run: nothing was deleted/);
    for (const rel of EXPECTED_ORPHANS) expect(existsSync(path.join(w.tree.root, rel))).toBe(true);

    const run = await cli(['delete', '--input', csv, '--confirm']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`Deleted ${EXPECTED_ORPHANS.length}, already gone 0, skipped 0, failed 0.`);
    const trash = path.join(w.tree.dir, '.asset-audit-trash');
    const [runDir] = readdirSync(trash);
    const quarantine = path.join(trash, runDir!);
    for (const rel of EXPECTED_ORPHANS) {
      expect(existsSync(path.join(w.tree.root, rel)), rel).toBe(false);
      expect(sha(path.join(quarantine, rel))).toBe(before.get(rel)!.sha);
    }
    const manifest = readFileSync(path.join(quarantine, 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(manifest.map((e) => e.path).sort()).toEqual(EXPECTED_ORPHANS);
    for (const e of manifest) expect(e).toMatchObject({ sha256: before.get(e.path as string)!.sha, size: Buffer.byteLength(FILES[e.path as string]!) });
    // everything referenced (and the ignored cache) is where it was
    for (const rel of Object.keys(FILES).filter((r) => !EXPECTED_ORPHANS.includes(r))) expect(sha(path.join(w.tree.root, rel))).toBe(before.get(rel)!.sha);

    const restore = await cli(['restore', '--backup-dir', quarantine, '--confirm']);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toContain(`Restored ${EXPECTED_ORPHANS.length}, skipped (exists already) 0, failed 0.`);
    for (const [rel, was] of before) {
      expect(sha(path.join(w.tree.root, rel)), rel).toBe(was.sha);
      expect(statSync(path.join(w.tree.root, rel)).mtimeMs, rel).toBe(was.mtime);
    }
    // a second restore overwrites nothing
    const again = await cli(['restore', '--backup-dir', quarantine, '--confirm']);
    expect(again.code).toBe(1);
    rmSync(trash, { recursive: true, force: true });
  });

  it('a file changed after the report is skipped; the others are moved', async () => {
    const { csv } = await detect('changed');
    const changed = path.join(w.tree.root, 'profile_pics/old_alice.jpg');
    appendFileSync(changed, ' edited');
    const old = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(changed, old, old);
    const run = await cli(['delete', '--input', csv, '--confirm']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`Deleted ${EXPECTED_ORPHANS.length - 1}, already gone 0, skipped 1, failed 0.`);
    expect(readFileSync(changed, 'utf8')).toBe('alice v1 edited');
    const journal = readFileSync(csv.replace(/\.csv$/, '.journal.csv'), 'utf8');
    expect(journal).toMatch(/profile_pics\/old_alice\.jpg,file,local,[^\n]*skipped:replaced_since_scan/);
    // put the tree back for the next case
    const trash = path.join(w.tree.dir, '.asset-audit-trash');
    const quarantine = path.join(trash, readdirSync(trash)[0]!);
    expect((await cli(['restore', '--backup-dir', quarantine, '--confirm'])).code).toBe(0);
    writeFileSync(changed, 'alice v1');
    utimesSync(changed, old, old);
    rmSync(trash, { recursive: true, force: true });
  });

  it('across filesystems a move is copy, fsync, unlink: a quarantine on tmpfs, and back', async (ctx) => {
    const shm = '/dev/shm';
    if (!existsSync(shm) || statSync(shm).dev === statSync(w.tree.root).dev) ctx.skip();
    const quarantine = path.join(shm, `asset-audit-test-${process.pid}-${_name}`);
    const before = new Map(EXPECTED_ORPHANS.map((rel) => [rel, { sha: sha(path.join(w.tree.root, rel)), mtime: Math.floor(statSync(path.join(w.tree.root, rel)).mtimeMs) }]));
    try {
      const { csv } = await detect('cross-fs');
      const run = await cli(['delete', '--input', csv, '--confirm', '--backup-dir', quarantine]);
      expect(run.code, run.stderr).toBe(0);
      for (const [rel, was] of before) {
        expect(existsSync(path.join(w.tree.root, rel))).toBe(false);
        expect(sha(path.join(quarantine, rel))).toBe(was.sha);
      }
      const restore = await cli(['restore', '--backup-dir', quarantine, '--confirm']);
      expect(restore.code, restore.stderr).toBe(0);
      for (const [rel, was] of before) {
        expect(sha(path.join(w.tree.root, rel))).toBe(was.sha);
        expect(Math.floor(statSync(path.join(w.tree.root, rel)).mtimeMs)).toBe(was.mtime);
      }
    } finally {
      rmSync(quarantine, { recursive: true, force: true });
    }
  });

  it('--purge-older-than removes old quarantine runs (with --confirm) and nothing else', async () => {
    const trash = path.join(w.tree.dir, '.asset-audit-trash');
    const oldRun = path.join(trash, '2020-01-01T00-00-00-000Z');
    const newRun = path.join(trash, 'recent');
    const notOurs = path.join(trash, 'someone-elses');
    for (const d of [oldRun, newRun, notOurs]) mkdirSync(d, { recursive: true });
    writeFileSync(path.join(oldRun, 'manifest.jsonl'), '');
    writeFileSync(path.join(newRun, 'manifest.jsonl'), '');
    const longAgo = new Date('2020-01-01T00:00:00Z');
    utimesSync(path.join(oldRun, 'manifest.jsonl'), longAgo, longAgo);
    utimesSync(notOurs, longAgo, longAgo);
    openTo([trash], w.tree.runAs);
    const { csv } = await detect('purge');
    const dry = await cli(['delete', '--input', csv, '--purge-older-than', '30']);
    expect(dry.stderr).toContain('Would purge (dry run) 1 quarantine run(s) older than 30 day(s):');
    expect(existsSync(oldRun)).toBe(true);
    const run = await cli(['delete', '--input', csv, '--max-delete', '0', '--purge-older-than', '30']);
    expect(run.code).toBe(2); // over --max-delete: refused before anything, purge included
    const purge = await cli(['delete', '--input', csv, '--confirm', '--purge-older-than', '30']);
    expect(purge.code, purge.stderr).toBe(0);
    expect(existsSync(oldRun)).toBe(false);
    expect(existsSync(newRun)).toBe(true);
    expect(existsSync(notOurs)).toBe(true);
    const quarantine = readdirSync(trash).filter((d) => /^\d{4}-\d\d-\d\dT/.test(d) && d !== path.basename(oldRun));
    for (const d of quarantine) await cli(['restore', '--backup-dir', path.join(trash, d), '--confirm']);
    rmSync(trash, { recursive: true, force: true });
  });
});

describe('a media folder: what is refused', () => {
  it('--resource-type and --type have nothing to narrow on one partition', async () => {
    const tree = mediaTree();
    try {
      writeFileSync(path.join(tree.dir, 'asset-audit.config.json'), JSON.stringify(CONFIG));
      const run = await runCli(['detect', '--type', 'upload'], { cwd: tree.dir, env: { DATABASE_URL: 'sqlite:///nonexistent.db' } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/--type: the local backend keeps every file in one partition, so there is nothing to narrow/);
    } finally {
      unlock(tree);
      rmSync(tree.dir, { recursive: true, force: true });
    }
  });

  it('delete refuses the filesystem root, and a quarantine inside the media folder', async () => {
    const tree = mediaTree();
    try {
      writeFileSync(path.join(tree.dir, 'asset-audit.config.json'), JSON.stringify(CONFIG));
      writeFileSync(path.join(tree.dir, 'r.csv'), '');
      const slash = await runCli(['delete', '--input', 'r.csv', '--storage', 'file:///'], { cwd: tree.dir, env: { DATABASE_URL: 'sqlite:///nonexistent.db' } });
      expect(slash.code).toBe(2);
      expect(slash.stderr).toMatch(/refusing to delete from \/: the filesystem root/);
      const inside = await runCli(['delete', '--input', 'r.csv', '--backup-dir', 'media/.trash'], { cwd: tree.dir, env: { DATABASE_URL: 'sqlite:///nonexistent.db' } });
      expect(inside.code).toBe(2);
      expect(inside.stderr).toMatch(/the quarantine .*media\/\.trash lies inside it/);
    } finally {
      unlock(tree);
      rmSync(tree.dir, { recursive: true, force: true });
    }
  });
});

describe('a report of one folder', () => {
  it('never drives deletions in another folder', async () => {
    const tree = mediaTree();
    try {
      const file = path.join(tree.dir, 'db.sqlite3');
      const db = new Database(file);
      for (const sql of DJANGO_SQL(q)) db.exec(sql);
      db.close();
      writeFileSync(path.join(tree.dir, 'asset-audit.config.json'), JSON.stringify(CONFIG));
      openTo([file, path.join(tree.dir, 'asset-audit.config.json')], tree.runAs);
      const env = { DATABASE_URL: `sqlite://${file}`, HOME: tree.dir };
      await runCli(['detect', '--all', '-o', 'r.csv'], { cwd: tree.dir, env, runAs: tree.runAs });
      mkdirSync(path.join(tree.dir, 'other-media'));
      const run = await runCli(['delete', '--input', 'r.csv', '--confirm', '--storage', 'file:other-media'], { cwd: tree.dir, env, runAs: tree.runAs });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/the report is for folder ".*\/media" but the store named is folder ".*\/other-media"/);
      for (const rel of EXPECTED_ORPHANS) expect(existsSync(path.join(tree.root, rel))).toBe(true);
    } finally {
      unlock(tree);
      rmSync(tree.dir, { recursive: true, force: true });
    }
  });
});

describe('demo --storage local', () => {
  it('runs the whole pipeline on a generated media folder and an SQLite file, finding what it planted', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-demo-'));
    try {
      const run = await runCli(['demo', '--storage', 'local', '--assets', '500'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const planted = /planted (\d+) orphaned file\(s\) and (\d+) record\(s\)/.exec(run.stderr)!;
      const csv = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.csv'))!;
      const report = readReport(readFileSync(path.join(dir, 'reports', csv), 'utf8'));
      expect(report.backend).toBe('local');
      expect(report.orphans).toHaveLength(Number(planted[1]));
      expect(report.missing).toHaveLength(Number(planted[2]));
      expect(report.orphans.every((o) => !o.path!.startsWith('CACHE/'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('init on a media folder', () => {
  it('finds the FileField column and suggests ignoring the thumbnail cache', async () => {
    const tree = mediaTree();
    try {
      const file = path.join(tree.dir, 'db.sqlite3');
      const db = new Database(file);
      for (const sql of DJANGO_SQL(q)) db.exec(sql);
      db.close();
      const run = await runCli(['init'], { cwd: tree.dir, env: { DATABASE_URL: `sqlite://${file}`, STORAGE_URL: `file://${tree.root}` } });
      expect(run.code, run.stderr).toBe(0);
      const text = readFileSync(path.join(tree.dir, 'asset-audit.config.json'), 'utf8');
      expect(text).toContain('"table": "users", "column": "avatar"');
      expect(text).toContain('"ignore": ["CACHE/**"]');
    } finally {
      unlock(tree);
      rmSync(tree.dir, { recursive: true, force: true });
    }
  });
});

describe('email, webhook and history on a media folder', () => {
  it('a folder scan mails its summary, posts the webhook and joins the run history', async () => {
    const tree = mediaTree();
    const smtp = await startSmtp();
    const hook = await startHookServer();
    try {
      const file = path.join(tree.dir, 'db.sqlite3');
      const db = new Database(file);
      for (const sql of DJANGO_SQL(q)) db.exec(sql);
      db.close();
      writeFileSync(path.join(tree.dir, 'asset-audit.config.json'), JSON.stringify({ ...CONFIG, notify: { url: `${hook.base}/hook` } }));
      openTo([file, path.join(tree.dir, 'asset-audit.config.json')], tree.runAs);
      const env = { DATABASE_URL: `sqlite://${file}`, SMTP_URL: smtp.url, ADMINS: 'ops@example.com', HOME: tree.dir };
      for (const _ of [1, 2]) {
        const run = await runCli(['detect', '--all'], { cwd: tree.dir, env, runAs: tree.runAs });
        expect(run.code, run.stderr).toBe(4);
      }
      await smtp.waitFor(2);
      const text = smtp.messages[0]!.parsed.text ?? '';
      expect(text).toContain('Media folder Asset Detection Report');
      expect(text).toContain(`Folder: ${tree.root}`);
      expect(text).toContain(`Orphaned Files Found: ${EXPECTED_ORPHANS.length}`);
      const body = JSON.parse(hook.bodies[0]!) as { cloud: string; orphans: number };
      expect(body).toMatchObject({ cloud: tree.root });
      const history = await runCli(['history'], { cwd: tree.dir, env, runAs: tree.runAs });
      expect(history.code, history.stderr).toBe(0);
      expect(history.stdout + history.stderr).toContain(tree.root);
    } finally {
      await smtp.close();
      await hook.close();
      unlock(tree);
      rmSync(tree.dir, { recursive: true, force: true });
    }
  });
});
