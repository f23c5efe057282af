/**
 * The user's database is never written (issue 11 §3): source queries that try to write — stacked
 * statements, an escape from the wrapper query, a data-modifying WITH, switching the transaction
 * to read-write, COPY … TO PROGRAM — leave it byte-identical under every command that reads it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { configDigest } from '../../src/config/digest.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';

const MARKER = path.join(tmpdir(), `asset-audit-copy-marker-${process.pid}`);
const OLD = new Date(Date.now() - 10 * 86_400_000).toISOString();

/** name → query, and the exit code each command must end with. */
const ATTACKS: Array<{ name: string; query: string; detect: number; doctor: number; init: number; delete: number }> = [
  {
    name: 'statement stacking',
    query: 'SELECT image AS ref FROM posts) s; COMMIT; DELETE FROM posts; CREATE TABLE t AS SELECT 1; SELECT * FROM (SELECT image AS ref FROM posts',
    detect: 2, doctor: 3, init: 2, delete: 2,
  },
  {
    name: 'escaping the wrapper query',
    query: "SELECT image AS ref FROM posts) AS s, LATERAL (SELECT nextval('posts_id_seq') AS n) AS x, (SELECT image AS other FROM posts",
    detect: 3, doctor: 3, init: 1, delete: 3,
  },
  {
    name: 'WITH … DELETE … RETURNING',
    query: 'WITH gone AS (DELETE FROM posts RETURNING image) SELECT image AS ref FROM gone',
    detect: 3, doctor: 3, init: 1, delete: 3,
  },
  {
    name: "set_config('transaction_read_only', 'off')",
    query: "SELECT image AS ref FROM posts WHERE set_config('transaction_read_only', 'off', false) = 'off' AND nextval('posts_id_seq') > 0",
    detect: 3, doctor: 3, init: 1, delete: 3,
  },
  {
    name: 'COPY … TO PROGRAM',
    query: `COPY (SELECT image AS ref FROM posts) TO PROGRAM 'touch ${MARKER}'`,
    detect: 3, doctor: 3, init: 1, delete: 3,
  },
  {
    name: 'COPY … TO PROGRAM after a statement',
    query: `SELECT image AS ref FROM posts; COPY (SELECT 1) TO PROGRAM 'touch ${MARKER}'`,
    detect: 2, doctor: 3, init: 2, delete: 2,
  },
];

let emu: CloudinaryEmulator;
let db: TestDatabase;
let env: Record<string, string>;
let dir: string;
let before: string;

/** Every user table's rows, the sequence and the large objects, as one string. */
async function snapshot(): Promise<string> {
  const tables = await db.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1`);
  const parts = [JSON.stringify(tables)];
  for (const t of await db.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)) {
    parts.push(JSON.stringify(await db.query(`SELECT * FROM "${t.name}" ORDER BY 1`)));
  }
  parts.push(JSON.stringify(await db.query('SELECT last_value, is_called FROM posts_id_seq')));
  parts.push(JSON.stringify(await db.query('SELECT count(*)::int AS n FROM pg_largeobject_metadata')));
  return parts.join('\n');
}

const configWith = (query: string) => ({ references: [{ name: 'posts', query }] });

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'ro-cloud', apiKey: '7', apiSecret: 'read-only-secret' });
  db = await startDatabase();
  for (const id of ['used/a', 'used/b', 'orphan/x']) emu.addAsset({ public_id: id, created_at: OLD });
  await db.exec(`CREATE TABLE posts (id serial PRIMARY KEY, title text, image text)`);
  await db.exec(`INSERT INTO posts (title, image) VALUES ('A', 'used/a'), ('B', 'used/b')`);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  // a reviewed report from an honest config, for delete
  dir = workspace({ 'asset-audit.config.json': configWith('SELECT id, image AS ref FROM posts') });
  const detect = await runCli(['detect', '--all', '-o', 'report.csv'], { cwd: dir, env });
  if (detect.code !== 1) throw new Error(`detect: ${detect.code} ${detect.stderr}`);
  before = await snapshot();
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
});

describe.each(ATTACKS)('a source that tries $name', (attack) => {
  const useAttack = () => {
    const config = configWith(attack.query);
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify(config));
    // the report's twin made under this very config, so delete gets as far as reading references
    const twinFile = path.join(dir, 'report.json');
    const twin = JSON.parse(readFileSync(twinFile, 'utf8')) as Record<string, unknown>;
    twin.configDigest = configDigest(parseConfigText(JSON.stringify(config), 'c.json').config!);
    writeFileSync(twinFile, JSON.stringify(twin));
  };

  it.each(['detect', 'doctor', 'init', 'delete'] as const)('%s leaves the database byte-identical', async (command) => {
    useAttack();
    const args = {
      detect: ['detect', '--all', '-o', 'attack.csv'],
      doctor: ['doctor'],
      init: ['init', '--check'],
      delete: ['delete', '-i', 'report.csv', '--confirm', '--yes', '--min-age', '0'],
    }[command];
    const run = await runCli(args, { cwd: dir, env });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(attack[command]);
    if (attack[command] === 2) expect(run.stderr).toMatch(/more than one SQL statement/);
    expect(await snapshot()).toBe(before);
    expect(existsSync(MARKER)).toBe(false);
    expect(emu.requests.some((r) => r.kind === 'admin' && r.method === 'DELETE')).toBe(false);
  });
});

describe('the session itself', () => {
  it('doctor shows the read-only transaction and the read-only session default', async () => {
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify(configWith('SELECT id, image AS ref FROM posts')));
    const run = await runCli(['doctor'], { cwd: dir, env });
    expect(run.stderr).toMatch(/\[ ok \] database: .*read-only transaction in force/);
    if (db.kind === 'server') expect(run.stderr).toMatch(/session default read-only/);
  });

  it('a write READ ONLY lets through (lo_import) is rolled back with the snapshot', async () => {
    const query = "SELECT image AS ref FROM posts) AS s, LATERAL (SELECT lo_import('/etc/hostname') AS oid) AS x, (SELECT image AS other FROM posts";
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify(configWith(query)));
    const run = await runCli(['detect', '--all', '-o', 'lo.csv'], { cwd: dir, env });
    expect([1, 3]).toContain(run.code);
    expect(await snapshot()).toBe(before);
  });
});
