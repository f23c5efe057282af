/**
 * `asset-audit doctor`: checks everything a detect run needs, one line per check with the fix,
 * without scanning (the checks: src/doctor/). Any failed check exits 3, the configuration file
 * included; only doctor's own flags can be a usage error (exit 2).
 */
import type { Command } from 'commander';
import type { Check } from '../doctor/check.js';
import { runDoctor } from '../doctor/run.js';
import { ExitCode } from './exit.js';
import { createOutput, type Output } from './output.js';

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
      process.exitCode = await doctor(flags);
    });
}

async function doctor(flags: DoctorFlags): Promise<number> {
  const output = createOutput({});
  const { failed } = await runDoctor({ cwd: process.cwd(), configFile: flags.config, storage: flags.storage, env: process.env, onCheck: (check) => output.print([line(output, check)]) });
  output.print(['', failed ? `${failed} check(s) failed.` : 'All checks passed.']);
  return failed ? ExitCode.Runtime : ExitCode.Ok;
}

function line(output: Output, { status, what, detail, fix }: Check): string {
  const p = output.paint;
  const tag = status === 'ok' ? p.green('[ ok ]') : status === 'warn' ? p.yellow('[warn]') : status === 'fail' ? p.red('[FAIL]') : p.dim('[skip]');
  return `${tag} ${p.bold(what)}: ${detail}${fix ? `\n       fix: ${fix}` : ''}`;
}
