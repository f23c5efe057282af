/**
 * No secret from CLOUDINARY_URL, DATABASE_URL or SMTP_URL may appear anywhere the tool writes:
 * stdout, stderr (text and JSON logs), the CSV and JSON reports, the history, the email and the
 * webhook body — on success and on failures. The secrets are even planted in a database row: that
 * row is data and reaches the reports exactly (test/e2e/exact-data.test.ts), while every
 * diagnostic showing it masks them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace, type CliResult } from '../support/cli.js';
import { startHookServer, type HookServer } from '../support/hook-server.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario } from '../support/seed.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

const API_SECRET = 'cld-Secret_value-31337';
const SMTP_PASSWORD = 'smtp-Secret-value-4242';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let smtp: TestSmtp;
let hook: HookServer;
let hookUrl: string;
let hookBodies: string[] = [];
let env: Record<string, string>;
let secrets: string[];
/** The planted row's values: data, so they are in the reports as they are in the database. */
let plantedValues: string[];

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'secret-cloud', apiSecret: API_SECRET });
  db = await startDatabase();
  smtp = await startSmtp({ password: SMTP_PASSWORD });
  await seedScenario(emu, db);
  const dbPassword = decodeURIComponent(new URL(db.url).password);
  secrets = [API_SECRET, SMTP_PASSWORD, ...(dbPassword.length >= 3 ? [dbPassword] : [])];
  // a record whose title and reference carry every secret, and whose asset is missing
  const planted = secrets.join(' / ');
  plantedValues = [planted, `image/upload/v1/prompts/${API_SECRET}.jpg`, `prompts/${API_SECRET}`];
  await db.exec(`INSERT INTO prompts_prompt (id, title, author_id, featured_image, created_at) VALUES (88888, '${planted.replace(/'/g, "''")}', 1, '${plantedValues[1]}', now())`);
  hook = await startHookServer();
  hookUrl = `${hook.base}/hook`;
  hookBodies = hook.bodies;
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url, SMTP_URL: smtp.url, ADMINS: 'ops@example.com' };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
  await smtp?.close();
  await hook?.close();
});

/** The secrets a run was given: the passwords in its three URLs. */
function secretsOf(runEnv: Record<string, string | undefined>): string[] {
  return ['CLOUDINARY_URL', 'DATABASE_URL', 'SMTP_URL']
    .map((k) => (runEnv[k] ? decodeURIComponent(new URL(runEnv[k]!).password) : ''))
    .filter((p) => p.length >= 3);
}

/** `data`: the text is data (a report, --json, a body), where only the planted row may hold a secret. */
function expectClean(where: string, text: string, list = secrets, { data = false } = {}): void {
  const rest = data ? plantedValues.reduce((t, v) => t.split(v).join(''), text) : text;
  for (const s of list) {
    for (const form of new Set([s, encodeURIComponent(s)])) {
      expect(rest.includes(form), `${where} contains a secret (${form.slice(0, 3)}…)`).toBe(false);
    }
  }
}

/** `list`: what this run knew; a secret it was never given cannot be masked (e.g. the right SMTP password in a row). */
function expectRunClean(name: string, run: CliResult, dir?: string, list = secrets): void {
  expectClean(`${name} stdout`, run.stdout, list, { data: true });
  expectClean(`${name} stderr`, run.stderr, list);
  if (!dir) return;
  const reports = path.join(dir, 'reports');
  for (const f of readdirSync(reports)) expectClean(`${name} ${f}`, readFileSync(path.join(reports, f), 'utf8'), list, { data: true });
}

describe('secrets never leave the process', () => {
  it('a full run with JSON logs, --json, email, webhook and history', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const mails = smtp.messages.length;
    const run = await runCli(['detect', '--days', '30', '--json', '--verbose', '--log-format', 'json', '--notify-url', hookUrl], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    // every stderr line is a JSON record
    for (const l of run.stderr.trim().split('\n')) expect(() => JSON.parse(l), l).not.toThrow();
    expect(JSON.parse(run.stdout).missing.some((m: { recordId: string }) => m.recordId === '88888')).toBe(true);
    expect(readdirSync(path.join(dir, 'reports'))).toContain('history.jsonl');
    expectRunClean('success', run, dir);
    const [mail] = (await smtp.waitFor(mails + 1)).slice(mails);
    expectClean('email text', mail!.parsed.text ?? '', secrets, { data: true });
    expectClean('email html', String(mail!.parsed.html), secrets, { data: true });
    // the CSV and the review page: every attachment
    expect(mail!.parsed.attachments.length).toBeGreaterThanOrEqual(2);
    for (const a of mail!.parsed.attachments) expectClean(`email attachment ${a.filename}`, a.content.toString('utf8'), secrets, { data: true });
    expect(mail!.parsed.text).toContain(`prompts #88888: '${plantedValues[0]}'`);
    // the summary on stderr is a diagnostic: the planted title is shown masked there
    expect(run.stderr).toContain("prompts #88888 '**** / ****");
    expect(hookBodies.length).toBeGreaterThan(0);
    expectClean('webhook body', hookBodies.at(-1)!, secrets, { data: true });
  });

  it('failures: Cloudinary rejects the key, the database refuses, SMTP refuses, the API keeps failing', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const wrongCloud = emu.cloudinaryUrl.replace(API_SECRET, `${API_SECRET}x`);
    const authEnv = { ...env, CLOUDINARY_URL: wrongCloud };
    const auth = await runCli(['detect', '--verbose'], { cwd: dir, env: authEnv });
    expect(auth.code).toBe(3);
    expectRunClean('auth failure', auth, undefined, secretsOf(authEnv));

    const deadDb = db.url.replace(/:\d+\//, ':1/');
    const dbFail = await runCli(['detect', '--verbose'], { cwd: dir, env: { ...env, DATABASE_URL: deadDb } });
    expect(dbFail.code).toBe(3);
    expectRunClean('database failure', dbFail, undefined, secretsOf({ ...env, DATABASE_URL: deadDb }));

    const badSmtp = smtp.url.replace(SMTP_PASSWORD, 'smtp-Wrong-value-999');
    const mailEnv = { ...env, SMTP_URL: badSmtp };
    const mailFail = await runCli(['detect', '--days', '30', '--verbose', '--email-required', '--log-format', 'json'], { cwd: dir, env: mailEnv });
    expect(mailFail.code).toBe(3);
    expectRunClean('smtp failure', mailFail, undefined, secretsOf(mailEnv));

    emu.failNext(3, 500);
    const flaky = await runCli(['detect', '--days', '30', '--verbose'], { cwd: dir, env });
    expect(flaky.stderr).toMatch(/retry/);
    expectRunClean('retries', flaky);

    const doctorEnv = { ...env, SMTP_URL: badSmtp, CLOUDINARY_URL: wrongCloud };
    const doctor = await runCli(['doctor'], { cwd: dir, env: doctorEnv });
    expect(doctor.code).toBe(3);
    expectRunClean('doctor', doctor, undefined, secretsOf(doctorEnv));

    const history = await runCli(['history'], { cwd: dir });
    expectRunClean('history', history);
    // the reports of the runs that knew every secret are clean of all of them
    for (const f of readdirSync(path.join(dir, 'reports'))) {
      if (f === 'history.jsonl') expectClean(f, readFileSync(path.join(dir, 'reports', f), 'utf8'), [API_SECRET, `${API_SECRET}x`]);
    }
  });
});
