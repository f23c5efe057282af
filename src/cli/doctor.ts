/**
 * `asset-audit doctor`: checks everything a detect run needs, one line per check with the fix,
 * without scanning. Every problem is a failed check (exit 3), the configuration file included,
 * so one run shows them all; only doctor's own flags can be a usage error (exit 2).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import type { FileConfig } from '../config/schema.js';
import { verifySmtp } from '../notify/email.js';
import { resolveRecipients } from '../notify/recipients.js';
import { parseSmtpUrl, type SmtpTarget } from '../notify/smtp.js';
import { parseNotifyUrl } from '../notify/webhook.js';
import { parseDatabaseUrl } from '../database/open.js';
import type { DatabaseTarget, ReferenceReader } from '../database/types.js';
import { BudgetExhausted } from '../storage/budget.js';
import { parseStorage, storageOrigin, type StorageTarget } from '../storage/open.js';
import { ExitCode } from './exit.js';
import { createOutput, type Output } from './output.js';

/** A doctor run should answer in seconds: one attempt per call, a short deadline. */
const DOCTOR_DEADLINE_MS = 20_000;
/** Counting a huge table can take long; the check only needs to know the query runs. */
const DOCTOR_STATEMENT_TIMEOUT_S = 60;

type Status = 'ok' | 'warn' | 'fail' | 'skip';

interface DoctorFlags {
  storage?: string;
  config?: string;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check configuration, credentials, Cloudinary, the database, reference sources and mail; each check says how to fix it')
    .option('--storage <url>', 'the store to check (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('-c, --config <file>', 'configuration file (default: asset-audit.config.json/.yaml/.yml in the working directory)')
    .action(async (flags: DoctorFlags) => {
      process.exitCode = await runDoctor(flags);
    });
}

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function runDoctor(flags: DoctorFlags): Promise<number> {
  const output = createOutput({});
  let failed = 0;
  const report = (status: Status, what: string, detail: string, fix?: string) => {
    if (status === 'fail') failed++;
    output.print([line(output, status, what, detail, fix)]);
  };

  // 1. configuration
  const loaded = loadConfig(process.cwd(), flags.config);
  let config: FileConfig | undefined;
  if (loaded.config && loaded.file) {
    config = loaded.config;
    report('ok', 'config', `${path.relative(process.cwd(), loaded.file) || loaded.file}: valid, ${config.references.length} reference source(s)`);
    for (const w of loaded.warnings) report('warn', 'config', w);
  } else {
    report('fail', 'config', loaded.errors.join('; '), 'write asset-audit.config.json (see README "Configuration"; `asset-audit init` drafts one) or pass --config FILE');
  }

  // 2. Cloudinary
  let store: StorageTarget | undefined;
  const storageConfig = { storage: config?.storage, cloudinary: { hosts: config?.cloudinary.hosts ?? [] } };
  try {
    store = parseStorage(storageConfig, process.env, { storage: flags.storage });
    report('ok', store.origin, store.masked);
  } catch (err) {
    const origin = storageOrigin(storageConfig, process.env, { storage: flags.storage });
    report('fail', origin, errorMessage(err));
  }
  if (store) await checkCloudinary(store, report);
  else report('skip', 'Cloudinary', `not contacted (${storageOrigin(storageConfig, process.env, { storage: flags.storage })} unusable)`);

  // 3. database and reference sources
  let database: DatabaseTarget | undefined;
  try {
    database = parseDatabaseUrl(process.env.DATABASE_URL);
    report('ok', 'DATABASE_URL', `${database.label} (${database.summary})`);
  } catch (err) {
    report('fail', 'DATABASE_URL', errorMessage(err));
  }
  if (database) await checkDatabase(database, config, report);
  else report('skip', 'database', 'not contacted (DATABASE_URL unusable)');

  // 4. reports directory
  if (config) {
    const dir = path.resolve(config.reportsDir);
    try {
      mkdirSync(dir, { recursive: true });
      const probe = path.join(dir, `.doctor-${process.pid}.tmp`);
      writeFileSync(probe, '', { mode: 0o600 });
      rmSync(probe);
      report('ok', 'reports', `${path.relative(process.cwd(), dir) || dir} is writable`);
    } catch (err) {
      report('fail', 'reports', `${dir}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, 'make the directory writable or set reportsDir in the config');
    }
  }

  // 5. email and webhook
  await checkNotifications(config, report);

  output.print(['', failed ? `${failed} check(s) failed.` : 'All checks passed.']);
  return failed ? ExitCode.Runtime : ExitCode.Ok;
}

type Report = (status: Status, what: string, detail: string, fix?: string) => void;

function line(output: Output, status: Status, what: string, detail: string, fix?: string): string {
  const p = output.paint;
  const tag = status === 'ok' ? p.green('[ ok ]') : status === 'warn' ? p.yellow('[warn]') : status === 'fail' ? p.red('[FAIL]') : p.dim('[skip]');
  return `${tag} ${p.bold(what)}: ${detail}${fix ? `\n       fix: ${fix}` : ''}`;
}

async function checkCloudinary(store: StorageTarget, report: Report): Promise<void> {
  const storage = await store.open({ warnAt: 1, stopAt: 1, retryAttempts: 1, deadlineMs: DOCTOR_DEADLINE_MS });
  try {
    await storage.ping?.();
    report('ok', 'Cloudinary', `${store.label} reachable, credentials accepted`);
  } catch (err) {
    const kind = (err as { kind?: string }).kind;
    const fix =
      kind === 'auth'
        ? 'check the API key, secret and cloud name in CLOUDINARY_URL (Console → Settings → API Keys)'
        : kind === 'network' || kind === 'timeout'
          ? 'check network access to Cloudinary (and upload_prefix in CLOUDINARY_URL, if set)'
          : kind === 'rate_limited' || err instanceof BudgetExhausted
            ? 'the hourly Admin API budget is spent: wait for the reset'
            : undefined;
    report('fail', 'Cloudinary', errorMessage(err), fix);
    storage.close();
    return;
  }
  const b = storage.budget;
  if (b) {
    const share = b.limit ? b.remaining / b.limit : 1;
    report(share < 0.2 ? 'warn' : 'ok', 'API budget', `${b.remaining.toLocaleString('en-US')}/${b.limit.toLocaleString('en-US')} Admin API calls left this hour${b.resetAt ? `, resets ${b.resetAt.toISOString()}` : ''}`, share < 0.2 ? 'a full scan may stop early (exit 4); run later or with --days' : undefined);
  } else {
    report('warn', 'API budget', 'Cloudinary reported no rate-limit headers');
  }
  try {
    const u = (await storage.usage?.()) ?? {};
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
    const objects = num((u.objects as Record<string, unknown> | undefined)?.usage);
    const bytes = num((u.storage as Record<string, unknown> | undefined)?.usage);
    const credits = u.credits as Record<string, unknown> | undefined;
    const parts = [u.plan ? `plan ${String(u.plan)}` : '', objects !== undefined ? `${objects.toLocaleString('en-US')} assets` : '', bytes !== undefined ? `${(bytes / 1_073_741_824).toFixed(2)} GB stored` : '', num(credits?.used_percent) !== undefined ? `${num(credits?.used_percent)!.toFixed(1)}% of credits used` : ''].filter(Boolean);
    report('ok', 'account usage', parts.join(', ') || 'reported');
  } catch (err) {
    report('warn', 'account usage', `not available: ${errorMessage(err)}`);
  } finally {
    storage.close();
  }
}

async function checkDatabase(target: DatabaseTarget, config: FileConfig | undefined, report: Report): Promise<void> {
  let reader: ReferenceReader;
  try {
    // the check only needs to know each query runs; counting a huge table may take long
    reader = await target.open({ statementTimeoutSeconds: Math.min(config?.database.statementTimeoutSeconds ?? DOCTOR_STATEMENT_TIMEOUT_S, DOCTOR_STATEMENT_TIMEOUT_S) });
  } catch (err) {
    report('fail', 'database', errorMessage(err));
    return;
  }
  try {
    const state = await reader.readOnlyState();
    report(state.readOnly ? 'ok' : 'fail', 'database', `${target.label} reachable; ${state.detail}`, state.readOnly ? undefined : 'the server ignored READ ONLY: check for a pooler rewriting transactions');
    if (!config) {
      report('skip', 'reference sources', 'not checked (no valid config)');
      return;
    }
    for (const source of config.references) {
      // a failed source must leave the others checkable
      const checked = await reader.isolate(async () => {
        await reader.probe(source);
        return reader.count(source);
      });
      if (!checked.ok) report('fail', `source "${source.name}"`, reader.error(checked.cause, source.name).message);
      else if (checked.value === 0) report('warn', `source "${source.name}"`, 'runs, but returns no rows', 'check the table/query: detect would find no references here');
      else report('ok', `source "${source.name}"`, `${checked.value.toLocaleString('en-US')} row(s)`);
    }
  } catch (err) {
    report('fail', 'database', reader.error(err).message);
  } finally {
    await reader.close();
  }
}

async function checkNotifications(config: FileConfig | undefined, report: Report): Promise<void> {
  let smtp: SmtpTarget | undefined;
  try {
    smtp = parseSmtpUrl(process.env.SMTP_URL) ?? parseSmtpUrl(config?.email?.smtpUrl, 'config email.smtpUrl');
  } catch (err) {
    report('fail', 'SMTP_URL', errorMessage(err));
    return;
  }
  let recipients: string | undefined;
  try {
    const r = resolveRecipients({ config: config?.email?.to, env: process.env.ADMINS });
    recipients = r ? `${r.recipients.length} recipient(s) from ${r.from}` : undefined;
  } catch (err) {
    report('fail', 'email recipients', errorMessage(err));
  }
  if (!smtp) {
    if (recipients) report('warn', 'email', `${recipients}, but no mail server`, 'set SMTP_URL=smtp://USER:PASSWORD@HOST:587 to send the summary email');
    else report('skip', 'email', 'not configured (set SMTP_URL and ADMINS or email.to to email summaries)');
  } else {
    try {
      await verifySmtp(smtp);
      report('ok', 'SMTP', `${smtp.label} reachable, login accepted${recipients ? `; ${recipients}` : ''}`);
      if (!recipients) report('warn', 'email recipients', 'none', 'set ADMINS, email.to in the config, or pass --email-to to detect');
    } catch (err) {
      report('fail', 'SMTP', `${smtp.label}: ${errorMessage(err)}`, 'check host, port, user and password in SMTP_URL (smtps:// for TLS on 465, smtp:// for STARTTLS on 587)');
    }
  }
  const url = process.env.NOTIFY_URL ?? config?.notify?.url;
  if (url) {
    try {
      const t = parseNotifyUrl(url, config?.notify?.format, process.env.NOTIFY_URL ? 'NOTIFY_URL' : 'config notify.url');
      report('ok', 'webhook', `${t.label} (${t.format}); not posted by doctor`);
    } catch (err) {
      report('fail', 'webhook', errorMessage(err));
    }
  }
}
