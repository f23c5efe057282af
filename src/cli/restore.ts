/** `asset-audit restore`: re-uploads what `delete --backup-dir` saved, under the same public_ids. */
import { oneLine } from '../report/one-line.js';
import path from 'node:path';
import type { Command } from 'commander';
import { restorePlan, runRestore } from '../delete/restore.js';
import { parseStorage } from '../storage/open.js';
import { loadConfig } from '../config/load.js';
import { ExitCode, usageError } from './exit.js';
import { createOutput } from './output.js';

interface RestoreFlags {
  storage?: string;
  backupDir: string;
  confirm?: boolean;
  only?: string;
  config?: string;
  quiet?: boolean;
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('upload the originals saved by `delete --backup-dir` again, under the same public_ids (dry run unless --confirm)')
    .requiredOption('--backup-dir <dir>', 'the directory given to delete --backup-dir')
    .option('--only <public_id>', 'restore just this public_id')
    .option('--storage <url>', 'the store to upload to (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('-c, --config <file>', 'configuration file naming the store (storage.url), when there is one')
    .option('--confirm', 'really upload (without it: list what would be restored)')
    .option('-q, --quiet', 'only warnings, errors and totals')
    .action(async (flags: RestoreFlags) => {
      process.exitCode = await restore(flags);
    });
}

async function restore(flags: RestoreFlags): Promise<number> {
  const output = createOutput({ quiet: flags.quiet });
  const dir = path.resolve(flags.backupDir);
  const entries = restorePlan(dir, flags.only);
  output.print([`${flags.confirm ? 'Restoring' : 'Would restore'} ${entries.length} asset(s):`, ...entries.slice(0, 50).map((e) => `  - ${e.resourceType}/${e.type} ${oneLine(e.publicId)} (${e.bytes} bytes)`)]);
  if (!flags.confirm) {
    output.print(['Dry run: nothing was uploaded. Run again with --confirm.']);
    return ExitCode.Ok;
  }
  // a config beside (or named) says which store, and a relative file: URL is read against its folder
  const loaded = loadConfig(process.cwd(), flags.config);
  const settings = loaded.config ? { storage: loaded.config.storage, cloudinary: loaded.config.cloudinary } : { cloudinary: { hosts: [] } };
  const target = parseStorage(settings, process.env, { storage: flags.storage, configDir: loaded.file && loaded.config ? path.dirname(loaded.file) : process.cwd() });
  const storage = await target.open({ warnAt: 0.8, stopAt: 0.95, onNotice: (m) => output.log.warn(m) });
  try {
    if (!storage.upload) throw usageError(`the ${target.name} store named by ${target.origin} cannot upload files; nothing was restored`);
    const { totals } = await runRestore({ dir, entries, uploader: { upload: storage.upload.bind(storage) }, cloudName: target.account, log: output.log });
    output.print([`Restored ${totals.restored}, skipped (exists already) ${totals.skipped}, failed ${totals.failed}.`]);
    return totals.failed || totals.skipped ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    storage.close();
  }
}
