/** Entry point: the command table, and the one place errors become exit codes. */
import { Command, CommanderError } from 'commander';
import { redact } from '../config/redact.js';
import { registerDetect } from './detect.js';
import { ExitCode, ExitError } from './exit.js';
import { VERSION } from './version.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  complete, nothing that --fail-on counts
  1  complete, findings counted by --fail-on (default: any orphan or missing asset)
  2  usage or configuration error
  3  could not reach or authenticate Cloudinary or the database, or another runtime failure
  4  incomplete: stopped by the rate-limit guard or interrupted; a partial report was written

Environment:
  CLOUDINARY_URL  cloudinary://API_KEY:API_SECRET@CLOUD_NAME[?upload_prefix=…]
  DATABASE_URL    postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=require]  (PGSSLMODE honoured)
  NO_COLOR / FORCE_COLOR  colour control
`;

export function buildProgram(): Command {
  const program = new Command('asset-audit')
    .description('Keep a media library honest: find orphaned Cloudinary files and records pointing at missing assets.')
    .version(VERSION, '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(redact(s)) });
  registerDetect(program);
  for (const cmd of program.commands) {
    cmd.exitOverride().addHelpText('after', EXIT_CODES_HELP).configureOutput({ writeErr: (s) => process.stderr.write(redact(s)) });
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err);
  }
}

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // help and --version end here too, with code 0; commander already printed its message
    return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (err instanceof ExitError) {
    process.stderr.write(redact(`error: ${err.message}\n`));
    return err.code;
  }
  const e = err as Error;
  process.stderr.write(redact(`error: unexpected failure: ${e?.stack ?? String(err)}\n`));
  return ExitCode.Runtime;
}
