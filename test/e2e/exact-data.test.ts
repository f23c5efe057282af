/**
 * Data is never rewritten by the secret masker. The same account and database are audited with
 * passwords that are words of the data (`harness`, `cloud`, `media`, `1024`), with one full of
 * characters that JSON, CSV and HTML encode (`" \ < & >`), and with a random one: every report,
 * twin, `--json`, email, webhook body, journal, checkpoint, history and the config `init` writes
 * must be the same bytes (timestamps and durations aside), `delete --confirm` and `detect --resume`
 * must work, and no diagnostic (stderr, in text or JSON logs) may show the password.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace, type CliResult } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { startSmtp } from '../support/smtp.js';
import { startHookServer, type HookServer } from '../support/hook-server.js';

const CLOUD = 'harness-cloud';
const SPECIAL = 'q"b\\<&>z';
const RANDOM = `r${randomBytes(12).toString('hex')}`;
const WORDS = ['harness', 'cloud', 'media', '1024'];
const DAY = 86_400_000;
/** Whole seconds, so the emulator keeps the string as given. */
const CREATED = new Date(Math.floor((Date.now() - 3 * DAY) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

const ASSETS = [
  { public_id: 'harness/banner', bytes: 1024 },
  { public_id: 'media/harness-clip', resource_type: 'video' as const, bytes: 1024 },
  { public_id: 'media/cloud_1024', bytes: 1024 },
  { public_id: 'harness/orphan_1024', bytes: 2048 },
  { public_id: 'harness/private_1024', type: 'private' as const, bytes: 1024 },
  { public_id: 'docs/cloud.pdf', resource_type: 'raw' as const, bytes: 1024 },
];
const ORPHANS = ['media/cloud_1024', 'harness/orphan_1024', 'harness/private_1024', 'docs/cloud.pdf'];
const FORGED_TITLE = 'line one\r\nFORGED: harness line\u001b[2J';

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;
const config = {
  references: [
    {
      name: 'media',
      query: 'SELECT id, title, author, file AS ref, status FROM media_files',
      recordUrl: 'https://example.com/media/{id}?source=asset-audit',
    },
  ],
};

let db: TestDatabase;
let hook: HookServer;
let hookBase: string;
let hookBodies: string[] = [];

beforeAll(async () => {
  db = await startDatabase();
  const rows: Array<[number, string, string, string, string]> = [
    [1, 'The harness weekly', 'harness', `https://res.cloudinary.com/${CLOUD}/image/upload/v1/harness/banner.jpg`, 'ACTIVE'],
    [2, 'cloud 1024 media', 'media', 'media/harness-clip', 'ACTIVE'],
    [3, 'Missing: the harness cover (1024 px)', 'cloud', `https://res.cloudinary.com/${CLOUD}/image/upload/v1/harness/cover_1024.jpg`, 'ACTIVE'],
    [4, `He said "${SPECIAL}" & left`, SPECIAL, 'media/gone_1024', 'DELETED'],
    [5, FORGED_TITLE, 'x', 'media/forged', 'ACTIVE'],
  ];
  await db.exec(`CREATE TABLE media_files (id int PRIMARY KEY, title text, author text, file text, status text);
    INSERT INTO media_files VALUES ${rows.map((r) => `(${r[0]}, ${r.slice(1).map((v) => q(String(v))).join(', ')})`).join(', ')}`);
  hook = await startHookServer();
  hookBase = hook.base;
  hookBodies = hook.bodies;
});

afterAll(async () => {
  await db?.close();
  await hook?.close();
});

interface Outputs {
  files: Record<string, string>;
  diagnostics: Array<[string, string]>;
}

/**
 * Timestamps, durations and the workspace differ between two runs, and so does the budget left (the
 * plan's snapshot depends on how many listing calls had answered beside the reading, and the
 * emulator's hourly window may reset between two runs); nothing else may.
 */
function normalise(text: string, dir: string): string {
  return text
    .split(dir)
    .join('<dir>')
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?( UTC)?/g, '<time>')
    .replace(/asset_detection_\d{4}-\d\d-\d\d_\d{6}/g, 'asset_detection_<stamp>')
    .replace(/"durationMs": ?\d+/g, '"durationMs": 0')
    .replace(/"(remaining|usable)": \d+/g, '"$1": 0')
    .replace(/budget left [\d,]+\/([\d,]+)( \(\d+%\))?/g, 'budget left 0/$1')
    .replace(/\b\d+(\.\d)? seconds\b/g, '0 seconds');
}

/** One password for the database and SMTP (and the API secret where it can be one): every output. */
async function audit(password: string): Promise<Outputs> {
  const apiSecret = /^[A-Za-z0-9_-]+$/.test(password) ? password : `api${RANDOM}`;
  const emu = await CloudinaryEmulator.start({ cloudName: CLOUD, apiKey: '4321', apiSecret, rateLimit: 5000 });
  const smtp = await startSmtp({ password });
  try {
    ASSETS.forEach((a, i) => emu.addAsset({ ...a, created_at: CREATED, asset_id: `a${i}`.padEnd(32, '0') }));
    const dbUrl = new URL(db.url);
    dbUrl.password = encodeURIComponent(password);
    const env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: dbUrl.toString(), SMTP_URL: smtp.url.replace(`:${password}@`, `:${encodeURIComponent(password)}@`), ADMINS: 'ops@example.com' };
    const hookUrl = `${hookBase}/services/T0/B0/x1?source=asset-audit`;
    const dir = workspace({ 'asset-audit.config.json': config });
    const diagnostics: Array<[string, string]> = [];
    const run = async (name: string, args: string[], code: number, runEnv: Record<string, string | undefined> = env): Promise<CliResult> => {
      const r = await runCli(args, { cwd: dir, env: runEnv });
      expect(r.code, `${name} (${password}): ${r.stderr}`).toBe(code);
      diagnostics.push([`${name} stderr`, r.stderr]);
      return r;
    };
    const files: Record<string, string> = {};
    const keep = (name: string, text: string) => (files[name] = normalise(text, dir));

    const initDir = workspace();
    const init = await runCli(['init'], { cwd: initDir, env });
    expect(init.code, init.stderr).toBe(0);
    diagnostics.push(['init stderr', init.stderr]);
    keep('init config', readFileSync(path.join(initDir, readdirSync(initDir).find((f) => f.startsWith('asset-audit.config'))!), 'utf8'));

    const mails = smtp.messages.length;
    const hooks = hookBodies.length;
    const detect = await run('detect', ['detect', '--days', '30', '-o', 'report.csv', '--json', '--log-format', 'json', '--verbose', '--notify-url', hookUrl], 1);
    keep('--json', detect.stdout);
    keep('report.csv', readFileSync(path.join(dir, 'report.csv'), 'utf8'));
    keep('report.json', readFileSync(path.join(dir, 'report.json'), 'utf8'));
    const [mail] = (await smtp.waitFor(mails + 1)).slice(mails);
    keep('email subject', mail!.parsed.subject ?? '');
    keep('email text', mail!.parsed.text ?? '');
    keep('email html', String(mail!.parsed.html));
    keep('email attachment', mail!.parsed.attachments[0]!.content.toString('utf8'));
    expect(hookBodies.length).toBe(hooks + 1);
    keep('webhook', hookBodies.at(-1)!);
    const slack = await run('slack', ['detect', '--days', '30', '-o', 'slack.csv', '--notify-url', hookUrl, '--notify-format', 'slack', '--no-email'], 1);
    keep('slack webhook', hookBodies.at(-1)!);
    diagnostics.push(['slack stderr', slack.stderr]);

    // a scan stopped by the budget, resumed by a scheduler that appends --resume to its command line
    emu.setRateLimit({ remaining: 2 });
    const quietEnv = { ...env, SMTP_URL: undefined, ADMINS: undefined };
    await run('stopped', ['detect', '--all', '--rate-limit-stop', '100', '-o', 'all.csv'], 4, quietEnv);
    emu.setRateLimit({ remaining: 5000 });
    const checkpoint = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.checkpoint.json'))!;
    expect(checkpoint).toBeDefined();
    const checkpointFile = path.join(dir, 'reports', checkpoint);
    keep('checkpoint', readFileSync(checkpointFile, 'utf8'));
    await run('resumed', ['detect', '--all', '--rate-limit-stop', '100', '-o', 'resumed.csv', '--resume', checkpointFile], 1, quietEnv);
    keep('resumed.csv', readFileSync(path.join(dir, 'resumed.csv'), 'utf8'));
    keep('resumed.json', readFileSync(path.join(dir, 'resumed.json'), 'utf8'));
    keep('history', readFileSync(path.join(dir, 'reports', 'history.jsonl'), 'utf8'));

    await run('delete', ['delete', '--input', 'report.csv', '--confirm', '--json'], 0, quietEnv).then((r) => keep('delete --json', r.stdout));
    keep('journal', readFileSync(path.join(dir, 'report.journal.csv'), 'utf8'));
    for (const id of ORPHANS) expect(emu.allAssets().some((a) => a.public_id === id), `${id} deleted`).toBe(false);
    expect(emu.allAssets().map((a) => a.public_id).sort()).toEqual(['harness/banner', 'media/harness-clip']);
    await run('doctor', ['doctor'], 0);
    return { files, diagnostics };
  } finally {
    await emu.stop();
    await smtp.close();
  }
}

/** Every form a password could take in a diagnostic. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), JSON.stringify(JSON.stringify(secret)).slice(3, -3)])];
}

describe('reports are never rewritten by the secret masker', () => {
  let baseline: Outputs;
  beforeAll(async () => {
    baseline = await audit(RANDOM);
  }, 120_000);

  it('the baseline itself: exact ids, titles and format, in every output', () => {
    const f = baseline.files;
    expect(f['report.csv']).toContain(`https://res.cloudinary.com/${CLOUD}/image/upload/v1/harness/cover_1024.jpg`);
    expect(f['report.csv']).toContain('media/cloud_1024');
    expect(f['report.csv']).toContain('"He said ""q""b\\<&>z"" & left"');
    expect(f['report.csv']).toContain('"line one\r\nFORGED: harness line\u001b[2J"');
    const twin = JSON.parse(f['report.json']!);
    expect(twin.format).toBe('asset-audit/detect');
    expect(twin.cloudName).toBe(CLOUD);
    expect(twin.orphans.map((o: { bytes: number }) => o.bytes)).toContain(1024);
    expect(twin.missing.map((m: { title: string }) => m.title)).toEqual(expect.arrayContaining([`He said "${SPECIAL}" & left`, FORGED_TITLE]));
    expect(JSON.parse(f['--json']!).missing.find((m: { recordId: string }) => m.recordId === '5').title).toBe(FORGED_TITLE);
    expect(JSON.parse(f['webhook']!).missing.first.find((m: { recordId: string }) => m.recordId === '5').title).toBe(FORGED_TITLE);
    expect(f['email subject']).toContain(`asset-audit ${CLOUD}:`);
    expect(f['init config']).toContain('media_files');
  });

  it('control characters in titles are escaped where one line is one record, kept in reports', () => {
    const f = baseline.files;
    expect(f['email text']).toContain("media #5: 'line one\\r\\nFORGED: harness line\\u001b[2J'");
    expect(f['email text']).not.toMatch(/^FORGED/m);
    const slack = JSON.parse(f['slack webhook']!) as { blocks: Array<{ text?: { text: string } }> };
    const list = slack.blocks.map((b) => b.text?.text ?? '').find((t) => t.includes('Records with missing assets'))!;
    expect(list).toContain("media #5 'line one\\r\\nFORGED: harness line\\u001b[2J'");
    expect(list).not.toMatch(/^FORGED/m);
    const terminal = baseline.diagnostics.find(([name]) => name === 'slack stderr')![1];
    expect(terminal).toContain("media #5 'line one\\r\\nFORGED: harness line\\u001b[2J'");
    expect(terminal).not.toMatch(/^FORGED|\r|\u001b/m);
    expect(f['email attachment']).toContain('"line one\r\nFORGED: harness line\u001b[2J"');
  });

  it.each([...WORDS, SPECIAL])('password %s: every output is byte-identical, and no diagnostic shows it', async (password) => {
    const got = await audit(password);
    expect(Object.keys(got.files)).toEqual(Object.keys(baseline.files));
    for (const [name, text] of Object.entries(baseline.files)) expect(got.files[name], name).toBe(text);
    for (const [where, text] of got.diagnostics) {
      for (const form of forms(password)) {
        // a word of the data is masked in diagnostics too: it is still the password
        expect(text.includes(form), `${where} shows ${JSON.stringify(form)}`).toBe(false);
      }
    }
    // the webhook's query is registered whole: its value is no secret of its own
    const detect = got.diagnostics.find(([name]) => name === 'detect stderr')![1];
    expect(detect).toContain('asset-audit');
  }, 120_000);
});
