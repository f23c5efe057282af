/** Entry point: the command table, and the one place errors become exit codes. */
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../config/redact.js';
import { terminalText } from './output.js';
import { registerDelete } from './delete.js';
import { registerDetect } from './detect.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerHistory } from './history.js';
import { registerInit } from './init.js';
import { registerRestore } from './restore.js';
import { AuditError } from '../errors.js';
import { ExitCode, exitCodeOf } from './exit.js';
import { VERSION } from './version.js';

const EXIT_CODES_HELP = `
Exit codes (detect; each command's --help gives its own):
  0  complete, nothing that --fail-on counts
  1  complete, findings counted by --fail-on (default: any orphan or missing asset)
  2  usage or configuration error
  3  could not reach or authenticate Cloudinary or the database, or another runtime failure
  4  incomplete: stopped by the rate-limit guard or interrupted; a partial report was written
`;

const ENVIRONMENT_HELP = `
Environment:
  CLOUDINARY_URL  cloudinary://API_KEY:API_SECRET@CLOUD_NAME[?upload_prefix=…]
  DATABASE_URL    postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=require]  (PGSSLMODE honoured)
  SMTP_URL        smtp://USER:PASSWORD@HOST:587 or smtps://…:465, for the email summary
  ADMINS          email recipients: "Name <addr>, addr"   NOTIFY_URL  webhook for a run summary
  NO_COLOR / FORCE_COLOR  colour control
`;

/** Per command: what its exit codes mean. */
const COMMAND_EXIT_CODES: Record<string, string> = {
  detect: EXIT_CODES_HELP,
  delete: `
Exit codes:
  0  every planned deletion was done (or, in a dry run, nothing would be skipped)
  1  some candidates were skipped or failed
  2  usage error or refusal (wrong account, malformed report, too many, no references)
  3  could not reach Cloudinary or the database, or another runtime failure
  4  stopped by the rate-limit guard or interrupted; run the same command again to resume
`,
  restore: `
Exit codes:
  0  everything restored (or listed, without --confirm)   1  some files failed
  2  usage error (no backups found)                        3  runtime failure
`,
};

export function buildProgram(): Command {
  const program = new Command('asset-audit')
    .description('Keep a media library honest: find orphaned Cloudinary files and records pointing at missing assets.')
    .version(VERSION, '-V, --version')
    .addHelpText('after', EXIT_CODES_HELP + ENVIRONMENT_HELP)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(terminalText(s)) });
  registerInit(program);
  registerDetect(program);
  registerHistory(program);
  registerDoctor(program);
  registerDemo(program);
  registerDelete(program);
  registerRestore(program);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(terminalText(s)) });
    const codes = COMMAND_EXIT_CODES[cmd.name()];
    if (codes) cmd.addHelpText('after', codes + ENVIRONMENT_HELP);
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
  if (err instanceof AuditError) {
    process.stderr.write(`${terminalText(`error: ${err.message}`)}\n`);
    return exitCodeOf(err);
  }
  // a plain object (an SDK rejection) is never printed whole: it carries the API key and secret
  const detail = err instanceof Error ? (err.stack ?? err.message) : errorMessage(err);
  process.stderr.write(`${terminalText(`error: unexpected failure: ${detail}`)}\n`);
  return ExitCode.Runtime;
}
