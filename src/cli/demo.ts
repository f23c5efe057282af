/**
 * `asset-audit demo`: the whole pipeline with zero setup — an emulated Cloudinary account and an
 * app database (an SQLite file; `--database pglite` for an embedded Postgres) with a realistic
 * sample, then the real detect command, writing a real report into ./reports. The README's
 * first-run command.
 */
import { Command } from 'commander';
import { parseCount } from '../config/scope.js';
import path from 'node:path';
import { startLocalDemo } from '../demo/local.js';
import { startDemo } from '../demo/run.js';
import { DEMO_DATABASES, type DemoDatabase } from '../demo/sample.js';
import { registerDetect, runDetect, type DetectFlags } from './detect.js';
import { ExitCode, usageError } from './exit.js';
import { createOutput } from './output.js';

interface DemoFlags {
  assets?: string;
  database: string;
  storage: string;
  reportsDir: string;
  quiet?: boolean;
  verbose?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run detect end to end against a built-in sample (emulated Cloudinary + an SQLite file): no setup, no network')
    .option('--assets <n>', 'how many sample assets (default 3000)')
    .option('--database <kind>', 'the sample app database: sqlite, or pglite (an embedded Postgres, slower to start)', 'sqlite')
    .option('--storage <kind>', 'the sample store: cloudinary (emulated), or local (a generated Django media folder; SQLite)', 'cloudinary')
    .option('--reports-dir <dir>', 'where the report goes', 'reports')
    .option('-q, --quiet', 'only warnings, errors and the report path')
    .option('-v, --verbose', 'more detail')
    .action(async (flags: DemoFlags) => {
      process.exitCode = await runDemo(flags);
    });
}

/** detect's own parser fills in its defaults, so the demo runs exactly what a user would type. */
async function detectFlags(args: string[]): Promise<DetectFlags> {
  const program = new Command().exitOverride();
  registerDetect(program);
  let parsed: DetectFlags | undefined;
  program.commands.find((c) => c.name() === 'detect')!.action((f: DetectFlags) => {
    parsed = f;
  });
  await program.parseAsync(args, { from: 'user' });
  return parsed!;
}

async function runDemo(flags: DemoFlags): Promise<number> {
  const { log, print } = createOutput({ quiet: flags.quiet, verbose: flags.verbose });
  const assets = flags.assets !== undefined ? parseCount('--assets', flags.assets, { min: 100 }) : undefined;
  if (!DEMO_DATABASES.includes(flags.database as DemoDatabase)) throw usageError(`--database: use one of ${DEMO_DATABASES.join(', ')} (got "${flags.database}")`);
  if (flags.storage !== 'cloudinary' && flags.storage !== 'local') throw usageError(`--storage: use cloudinary or local (got "${flags.storage}")`);
  if (flags.storage === 'local' && flags.database !== 'sqlite') throw usageError('--storage local runs on an SQLite file: drop --database');
  const demo = flags.storage === 'local' ? await startLocalDemo(log, assets) : await startDemo(log, { assets, database: flags.database as DemoDatabase });
  try {
    log.info('Running: asset-audit detect --all (against the demo services)');
    const args = ['detect', '--all', '--config', demo.configFile, '--reports-dir', path.resolve(flags.reportsDir), '--fail-on', 'none', '--no-email'];
    if (flags.quiet) args.push('--quiet');
    if (flags.verbose) args.push('--verbose');
    // the demo's settings only: none of the user's credentials, mail or webhook settings reach it
    const code = await runDetect(await detectFlags(args), { history: false, env: demo.env });
    if (code !== ExitCode.Ok) return code;
    if (!flags.quiet) {
      print([
        '',
        `The demo planted ${demo.expected.orphans} orphaned file(s) and ${demo.expected.missing} record(s) pointing at missing assets among ${demo.expected.assets.toLocaleString('en-US')} assets.`,
        flags.storage === 'local'
          ? 'Next: `asset-audit doctor` checks your own setup (STORAGE_URL=file:///path/to/media, DATABASE_URL, a config file), then `asset-audit detect`.'
          : 'Next: `asset-audit doctor` checks your own setup (CLOUDINARY_URL, DATABASE_URL, a config file), then `asset-audit detect`.',
      ]);
    }
    return ExitCode.Ok;
  } finally {
    await demo.stop();
  }
}
