/**
 * The doctor core: every check a detect run depends on, each as data (status, what, detail, fix),
 * told to `onCheck` as it is made and returned together. Every problem is a failed check, the
 * configuration file included, so one run shows them all; the caller decides what a failure means.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import type { FileConfig } from '../config/schema.js';
import { parseDatabaseUrl } from '../database/open.js';
import type { DatabaseTarget } from '../database/types.js';
import { parseStorage, storageOrigin, type StorageTarget } from '../storage/open.js';
import { checkStore } from './storage.js';
import { checkDatabase } from './database.js';
import { checkNotifications } from './notifications.js';
import { errorMessage, type Check, type Report } from './check.js';

export interface DoctorInput {
  cwd: string;
  /** --config, when given. */
  configFile?: string;
  /** --storage, when given (else STORAGE_URL, config storage.url, CLOUDINARY_URL). */
  storage?: string;
  /** Where CLOUDINARY_URL, DATABASE_URL, SMTP_URL, ADMINS and NOTIFY_URL come from. */
  env: NodeJS.ProcessEnv;
  /** Told each check as soon as it is made (doctor prints as it goes). */
  onCheck?: (check: Check) => void;
}

export interface DoctorResult {
  checks: Check[];
  failed: number;
}

export async function runDoctor(input: DoctorInput): Promise<DoctorResult> {
  const { cwd, env } = input;
  const checks: Check[] = [];
  const report: Report = (status, what, detail, fix) => {
    const check: Check = { status, what, detail, ...(fix ? { fix } : {}) };
    checks.push(check);
    input.onCheck?.(check);
  };

  // 1. configuration
  const loaded = loadConfig(cwd, input.configFile);
  let config: FileConfig | undefined;
  if (loaded.config && loaded.file) {
    config = loaded.config;
    report('ok', 'config', `${path.relative(cwd, loaded.file) || loaded.file}: valid, ${config.references.length} reference source(s)`);
    for (const w of loaded.warnings) report('warn', 'config', w);
  } else {
    report('fail', 'config', loaded.errors.join('; '), 'write asset-audit.config.json (see README "Configuration"; `asset-audit init` drafts one) or pass --config FILE');
  }

  // 2. the store
  let store: StorageTarget | undefined;
  const storageConfig = { storage: config?.storage, cloudinary: { hosts: config?.cloudinary.hosts ?? [] } };
  const storageFlags = { storage: input.storage, configDir: loaded.file ? path.dirname(loaded.file) : cwd };
  try {
    store = parseStorage(storageConfig, env, storageFlags);
    report('ok', store.origin, store.masked);
  } catch (err) {
    report('fail', storageOrigin(storageConfig, env, storageFlags), errorMessage(err));
  }
  if (store) await checkStore(store, report);
  else report('skip', 'Cloudinary', `not contacted (${storageOrigin(storageConfig, env, storageFlags)} unusable)`);

  // 3. database and reference sources
  let database: DatabaseTarget | undefined;
  try {
    database = parseDatabaseUrl(env.DATABASE_URL, env);
    report('ok', 'DATABASE_URL', `${database.label} (${database.summary})`);
  } catch (err) {
    report('fail', 'DATABASE_URL', errorMessage(err));
  }
  if (database) await checkDatabase(database, config, report);
  else report('skip', 'database', 'not contacted (DATABASE_URL unusable)');

  // 4. reports directory
  if (config) checkReportsDir(path.resolve(cwd, config.reportsDir), cwd, report);

  // 5. email and webhook
  await checkNotifications(config, env, report);

  return { checks, failed: checks.filter((c) => c.status === 'fail').length };
}

function checkReportsDir(dir: string, cwd: string, report: Report): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.doctor-${process.pid}.tmp`);
    writeFileSync(probe, '', { mode: 0o600 });
    rmSync(probe);
    report('ok', 'reports', `${path.relative(cwd, dir) || dir} is writable`);
  } catch (err) {
    report('fail', 'reports', `${dir}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`, 'make the directory writable or set reportsDir in the config');
  }
}
