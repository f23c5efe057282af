import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario, type Expected } from '../support/seed.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let smtp: TestSmtp;
let expected: Expected;
let env: Record<string, string>;

const HOSTILE = `<img src=x onerror=alert(1)> & "Quotes"`;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'mail-cloud', apiSecret: 'mail-api-secret-987' });
  db = await startDatabase();
  smtp = await startSmtp();
  expected = await seedScenario(emu, db);
  // a hostile title on a record whose asset is gone: must arrive escaped in the HTML body
  await db.exec(`INSERT INTO prompts_prompt (id, title, author_id, featured_image, created_at) VALUES (99999, '${HOSTILE.replace(/'/g, "''")}', 2, 'image/upload/v1/prompts/evil_gone.jpg', now())`);
  expected.missing.add('prompts:99999:prompts/evil_gone');
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url, SMTP_URL: smtp.url };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
  await smtp?.close();
});

describe('email summary', () => {
  it('mails the admins a subject with counts, text and HTML bodies, the CSV and the review page attached', async () => {
    const dir = workspace({ 'asset-audit.config.json': { ...scenarioConfig, email: { from: 'Audit <audit@example.com>' } } });
    const before = smtp.messages.length;
    const run = await runCli(['detect', '--days', '30'], { cwd: dir, env: { ...env, ADMINS: 'Ops Team <ops@example.com>, dev@example.com' } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/Email summary sent to 2 recipient\(s\) \(ADMINS\)/);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    const m = mail!;
    expect(m.envelope.to.sort()).toEqual(['dev@example.com', 'ops@example.com']);
    expect(m.parsed.from?.value[0]?.address).toBe('audit@example.com');
    const orphans = expected.orphans.size;
    const missing = expected.missing.size;
    expect(m.parsed.subject).toBe(`asset-audit mail-cloud: ${orphans.toLocaleString('en-US')} orphaned file(s), ${missing} missing asset(s) (7 ACTIVE)`);

    const text = m.parsed.text ?? '';
    expect(text).toContain('Scan Date: ');
    expect(text).toContain('Scan Range: uploads of the last 30 day(s)');
    expect(text).toMatch(new RegExp(`Orphaned Files: ${orphans.toLocaleString('en-US')} \\(\\d+\\.\\d%\\)`));
    expect(text).toMatch(/Total Orphan Size: [\d.]+ MB/);
    expect(text.match(/^ {2}\d+\. /gm)).toHaveLength(20); // the first 20 orphans
    expect(text).toContain(`Total Missing: ${missing}`);
    expect(text).toContain('ACTIVE (showing broken media): 7');
    expect(text).toContain('DELETED (in trash): 2');
    expect(text).toContain('CRITICAL: 7 ACTIVE record(s) show broken media to users!');
    expect(text).toContain('Recommended Actions:');
    expect(text).toMatch(/Calls Used: \d+ this run; \d+\/5,000 used this hour/);
    expect(text).toMatch(/Full report: reports\/asset_detection_\d{4}-\d\d-\d\d_\d{6}\.csv/);
    expect(text).toContain(HOSTILE);

    const html = String(m.parsed.html);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Quotes&quot;');
    expect(html).toContain('CRITICAL: 7 ACTIVE record(s)');

    expect(m.parsed.attachments).toHaveLength(2);
    const [att, page] = m.parsed.attachments;
    const csvName = readdirSync(path.join(dir, 'reports')).find((f) => f.endsWith('.csv'))!;
    expect(att!.filename).toBe(csvName);
    expect(att!.contentType).toBe('text/csv');
    expect(att!.content.toString('utf8')).toBe(readFileSync(path.join(dir, 'reports', csvName), 'utf8'));
    const pageName = csvName.replace(/\.csv$/, '.html');
    expect(page!.filename).toBe(pageName);
    expect(page!.contentType).toBe('text/html');
    expect(page!.content.toString('utf8')).toBe(readFileSync(path.join(dir, 'reports', pageName), 'utf8'));
  });

  it('attaches only the CSV with email.attachHtml: false', async () => {
    const dir = workspace({ 'asset-audit.config.json': { ...scenarioConfig, email: { attachHtml: false } } });
    const before = smtp.messages.length;
    const run = await runCli(['detect', '--days', '30', '--email-to', 'ops@example.com'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(mail!.parsed.attachments.map((a) => a.contentType)).toEqual(['text/csv']);
  });

  it('--email-to wins over config and ADMINS; no email without findings unless --email-always', async () => {
    const dir = workspace({ 'asset-audit.config.json': { ...scenarioConfig, email: { to: 'config@example.com' } } });
    // a prefix with no findings
    const before = smtp.messages.length;
    const quiet = await runCli(['detect', '--days', '30', '--prefix', 'nothing-here/'], { cwd: dir, env: { ...env, ADMINS: 'admin@example.com' } });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toContain('No findings: no email sent');
    const always = await runCli(['detect', '--days', '30', '--prefix', 'nothing-here/', '--email-always', '--email-to', 'Flag Person <flag@example.com>'], { cwd: dir, env });
    expect(always.code, always.stderr).toBe(0);
    const [mail] = (await smtp.waitFor(before + 1)).slice(before);
    expect(smtp.messages.length).toBe(before + 1);
    expect(mail!.envelope.to).toEqual(['flag@example.com']);
    expect(mail!.parsed.subject).toBe('asset-audit mail-cloud: 0 orphaned file(s), 0 missing asset(s)');
  });

  it('a failed send keeps the report; only --email-required changes the exit code', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const badEnv = { ...env, SMTP_URL: smtp.url.replace('smtp-pa55-word-xyz', 'wrong-pa55-word-abc'), ADMINS: 'ops@example.com' };
    const run = await runCli(['detect', '--days', '30', '--orphans-only'], { cwd: dir, env: badEnv });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/error: email summary NOT sent via smtp:\/\/127\.0\.0\.1:\d+: .*The report is on disk: reports\/asset_detection_/);
    expect(run.stderr).not.toContain('wrong-pa55-word-abc');
    const required = await runCli(['detect', '--days', '30', '--orphans-only', '--email-required'], { cwd: dir, env: badEnv });
    expect(required.code, required.stderr).toBe(3);
    expect(required.stderr).toContain('--email-required');
    expect(readdirSync(path.join(dir, 'reports')).filter((f) => f.endsWith('.csv'))).toHaveLength(2);
  });

  it('asks for a mail server before scanning when email is requested without one', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const calls = emu.adminCalls;
    const run = await runCli(['detect', '--email-to', 'ops@example.com'], { cwd: dir, env: { ...env, SMTP_URL: undefined } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('set SMTP_URL=smtp://USER:PASSWORD@HOST:587, or pass --no-email');
    expect(emu.adminCalls).toBe(calls);
    const noEmail = await runCli(['detect', '--email-to', 'bad address'], { cwd: dir, env });
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email-to');
  });
});
