/**
 * The SDK rejects in three shapes: a plain object `{error:{message,http_code}, request_options,
 * query_params}` for JSON error bodies, a bare `{message, http_code, request_options}` for unexpected
 * statuses, and a Node Error for network failures. `request_options.auth` holds "key:secret", so
 * nothing from the raw rejection is ever kept: only a kind, a status and a cleaned message.
 */
import { StorageError, type StorageErrorKind } from '../errors.js';

export { StorageError, type StorageErrorKind };

export function normaliseSdkError(raw: unknown): StorageError {
  if (raw instanceof StorageError) return raw;
  if (raw instanceof Error) {
    const code = (raw as NodeJS.ErrnoException).code;
    return new StorageError('network', `${code ? `${code}: ` : ''}${raw.message}`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const inner = (typeof obj.error === 'object' && obj.error !== null ? obj.error : obj) as Record<string, unknown>;
  const status = typeof inner.http_code === 'number' ? inner.http_code : undefined;
  const rawMessage = inner.message;
  const message =
    typeof rawMessage === 'string'
      ? rawMessage
      : rawMessage instanceof Error
        ? `${(rawMessage as NodeJS.ErrnoException).code ?? ''} ${rawMessage.message}`.trim()
        : 'unknown error from the Cloudinary SDK';
  if (/invalid JSON/i.test(message)) return new StorageError('invalid_response', message, status);
  if (status === 420 || status === 429) return new StorageError('rate_limited', message, status);
  if (status === 401 || status === 403) return new StorageError('auth', message, status);
  if (status === 404) return new StorageError('not_found', message, status);
  if (status !== undefined && status >= 400 && status < 500) return new StorageError('bad_request', message, status);
  if (status !== undefined && status >= 500) return new StorageError('server', message, status);
  return new StorageError('network', message, status);
}
