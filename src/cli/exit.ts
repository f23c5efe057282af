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

/** A known failure: its message is shown as is (after redaction) and the process exits with `code`. */
export class ExitError extends Error {
  constructor(
    readonly code: ExitCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}

export const usageError = (message: string): ExitError => new ExitError(ExitCode.Usage, message);
export const runtimeError = (message: string, cause?: unknown): ExitError =>
  new ExitError(ExitCode.Runtime, message, { cause });
