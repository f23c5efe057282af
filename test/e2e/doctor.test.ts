import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { scenarioConfig, seedScenario } from '../support/seed.js';
import { startSmtp, type TestSmtp } from '../support/smtp.js';

let emu: CloudinaryEmulator;
let db: TestDatabase;
let smtp: TestSmtp;
let env: Record<string, string>;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'doc-cloud', apiSecret: 'doctor-api-secret-42' });
  db = await startDatabase();
  smtp = await startSmtp();
  await seedScenario(emu, db);
  env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url, SMTP_URL: smtp.url, ADMINS: 'ops@example.com' };
});

afterAll(async () => {
  await emu?.stop();
  await db?.close();
  await smtp?.close();
});

describe('doctor', () => {
  it('passes every check on a healthy setup, with counts and the budget', async () => {
    const dir = workspace({ 'asset-audit.config.json': scenarioConfig });
    const run = await runCli(['doctor'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const out = run.stderr;
    expect(out).toContain('[ ok ] config: asset-audit.config.json: valid, 3 reference source(s)');
    expect(out).toMatch(/\[ ok \] CLOUDINARY_URL: cloudinary:\/\/\d+:\*\*\*\*@doc-cloud/);
    expect(out).toContain('[ ok ] Cloudinary: cloud "doc-cloud" reachable, credentials accepted');
    expect(out).toMatch(/\[ ok \] API budget: [\d,]+\/5,000 Admin API calls left this hour/);
    expect(out).toMatch(/\[ ok \] account usage: .*[\d,]+ assets/);
    expect(out).toMatch(/\[ ok \] database: .* reachable; read-only transaction in force/);
    expect(out).toMatch(/\[ ok \] source "prompts": [\d,]+ row\(s\)/);
    expect(out).toMatch(/\[ ok \] source "avatars": [\d,]+ row\(s\)/);
    expect(out).toMatch(/\[ ok \] SMTP: smtp:\/\/127\.0\.0\.1:\d+ reachable, login accepted; 1 recipient\(s\) from ADMINS/);
    expect(out).toContain('All checks passed.');
    expect(out).not.toContain('doctor-api-secret-42');
    expect(out).not.toContain('smtp-pa55-word-xyz');
  });

  it('fails each broken part with its fix and exits 3, and still checks the rest', async () => {
    const broken = {
      ...scenarioConfig,
      references: [...scenarioConfig.references, { name: 'typo', query: 'SELECT id, pic AS ref FROM no_such_table' }, { name: 'noref', query: 'SELECT id FROM documents' }],
    };
    const dir = workspace({ 'asset-audit.config.json': broken });
    const badSecret = emu.cloudinaryUrl.replace('doctor-api-secret-42', 'wrong-secret-value-99');
    const run = await runCli(['doctor'], { cwd: dir, env: { ...env, CLOUDINARY_URL: badSecret, SMTP_URL: 'smtp://u:smtp-doctor-pw-77@127.0.0.1:1' } });
    expect(run.code, run.stderr).toBe(3);
    const out = run.stderr;
    expect(out).toMatch(/\[FAIL\] Cloudinary: .*\n\s+fix: check the API key, secret and cloud name in CLOUDINARY_URL/);
    expect(out).toMatch(/\[ ok \] source "prompts": [\d,]+ row\(s\)/);
    expect(out).toMatch(/\[FAIL\] source "typo": .*no_such_table.*Fix the SQL of this source/);
    expect(out).toMatch(/\[FAIL\] source "noref": .*returns no column named "ref"/);
    expect(out).toMatch(/\[ ok \] source "documents"/);
    expect(out).toMatch(/\[FAIL\] SMTP: smtp:\/\/127\.0\.0\.1:1: .*\n\s+fix: check host, port, user and password in SMTP_URL/);
    expect(out).toMatch(/4 check\(s\) failed\./);
    for (const secret of ['wrong-secret-value-99', 'smtp-doctor-pw-77']) expect(out).not.toContain(secret);
  });

  it('reports a missing config and unset variables as failed checks (exit 3)', async () => {
    const dir = workspace();
    const run = await runCli(['doctor'], { cwd: dir, env: {} });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\[FAIL\] config: No configuration file found/);
    expect(run.stderr).toContain('[FAIL] CLOUDINARY_URL: CLOUDINARY_URL is not set.');
    expect(run.stderr).toContain('[FAIL] DATABASE_URL: DATABASE_URL is not set.');
    expect(run.stderr).toContain('[skip] email: not configured');
  });
});
