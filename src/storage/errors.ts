/**
 * A store's failure, by kind: every backend maps its SDK's errors onto these (the CLI maps the kinds
 * to exits and fixes). Messages are diagnostics: credentials masked.
 */
import { diagnostic } from '../config/redact.js';

export type StorageErrorKind =
  | 'auth'
  | 'rate_limited'
  | 'not_found'
  | 'bad_request'
  | 'server'
  | 'network'
  | 'timeout'
  | 'invalid_response';

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
    readonly status?: number,
    /** What to do about it, when the backend knows better than a generic hint (S3: the permission to grant). */
    readonly fix?: string,
  ) {
    super(diagnostic(message));
    this.name = 'StorageError';
  }

  get retryable(): boolean {
    return this.kind === 'server' || this.kind === 'network' || this.kind === 'timeout' || this.kind === 'invalid_response';
  }
}
