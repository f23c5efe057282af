/**
 * The failures the core knows by name. The core throws these; only the CLI turns a kind into an
 * exit code (src/cli/exit.ts), so the same core can serve another front end or a test in-process.
 */
export type ErrorKind =
  /** bad flags, arguments or environment values */
  | 'usage'
  /** a config file or a source that cannot work as written */
  | 'config'
  /** input the tool will not act on (a report it cannot trust, a target it will not touch) */
  | 'refused'
  /** the database could not be reached, read or authenticated */
  | 'database'
  /** the storage service could not be reached, read or authenticated */
  | 'storage'
  /** stopped by a signal before the work was complete */
  | 'interrupted'
  /** stopped by the storage service's rate limit or the tool's budget guard */
  | 'budget';

export class AuditError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AuditError';
  }
}

export const usageError = (message: string): AuditError => new AuditError('usage', message);
export const configError = (message: string): AuditError => new AuditError('config', message);
export const refusal = (message: string): AuditError => new AuditError('refused', message);
export const databaseFailure = (message: string, cause?: unknown): AuditError => new AuditError('database', message, { cause });
export const storageFailure = (message: string, cause?: unknown): AuditError => new AuditError('storage', message, { cause });
