import { AuditError, usageError, type ErrorKind } from '../errors.js';

/** The exit-code contract that CI jobs and schedulers act on (README "Exit codes"). */
export const ExitCode = {
  /** Complete, and nothing that --fail-on counts. */
  Ok: 0,
  /** Complete, with findings counted by --fail-on. */
  Findings: 1,
  /** Usage or configuration error, or a refusal. */
  Usage: 2,
  /** Could not reach or authenticate Cloudinary or the database, or another runtime failure. */
  Runtime: 3,
  /** Incomplete: stopped by the rate-limit guard or interrupted; a partial report was written. */
  Incomplete: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

const CODE_OF_KIND: Record<ErrorKind, ExitCode> = {
  usage: ExitCode.Usage,
  config: ExitCode.Usage,
  refused: ExitCode.Usage,
  database: ExitCode.Runtime,
  storage: ExitCode.Runtime,
  interrupted: ExitCode.Incomplete,
  budget: ExitCode.Incomplete,
};

/** A failure the CLI raises itself with an explicit exit code. */
export class ExitError extends AuditError {
  constructor(
    readonly code: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code === ExitCode.Incomplete ? 'interrupted' : code === ExitCode.Usage ? 'usage' : 'storage', message, options);
    this.name = 'ExitError';
  }
}

/** The documented exit code of a known failure. */
export function exitCodeOf(err: AuditError): ExitCode {
  return err instanceof ExitError ? err.code : CODE_OF_KIND[err.kind];
}

export { usageError };
export const runtimeError = (message: string, cause?: unknown): ExitError =>
  new ExitError(ExitCode.Runtime, message, { cause });
