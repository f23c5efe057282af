/** `asset-audit restore`: re-uploads what `delete --backup-dir` saved, under the same public_ids. */
import { oneLine } from '../report/one-line.js';
import path from 'node:path';
import type { Command } from 'commander';
import { parseCloudinaryUrl } from '../config/cloudinary-url.js';
import { restorePlan, runRestore } from '../delete/restore.js';
import { CloudinaryStorage } from '../storage/cloudinary/client.js';
import { RateLimitGuard } from '../storage/cloudinary/guard.js';
import { ExitCode } from './exit.js';
import { createOutput } from './output.js';

interface RestoreFlags {
  backupDir: string;
  confirm?: boolean;
  only?: string;
  quiet?: boolean;
}

export function registerRestore(program: Command): void {
  program
    .command('restore')
    .description('upload the originals saved by `delete --backup-dir` again, under the same public_ids (dry run unless --confirm)')
    .requiredOption('--backup-dir <dir>', 'the directory given to delete --backup-dir')
    .option('--only <public_id>', 'restore just this public_id')
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
  const credentials = parseCloudinaryUrl(process.env.CLOUDINARY_URL);
  const storage = await CloudinaryStorage.create({ credentials, guard: new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95 }) });
  try {
    const { totals } = await runRestore({ dir, entries, uploader: storage, cloudName: credentials.cloudName, log: output.log });
    output.print([`Restored ${totals.restored}, skipped (exists already) ${totals.skipped}, failed ${totals.failed}.`]);
    return totals.failed || totals.skipped ? ExitCode.Findings : ExitCode.Ok;
  } finally {
    storage.close();
  }
}
