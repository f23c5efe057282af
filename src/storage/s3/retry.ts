/**
 * Retries with exponential backoff and full jitter, as AWS advises for SlowDown and 503: the SDK's
 * own retries are off (maxAttempts 1) so every attempt is counted, logged and bounded here, with a
 * deadline per attempt that aborts the request.
 */
import { StorageError } from '../errors.js';

export interface S3RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Per-attempt deadline. */
  deadlineMs: number;
}

export const S3_RETRY: S3RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 10_000, deadlineMs: 60_000 };

const retryable = (err: StorageError): boolean => err.kind === 'rate_limited' || err.retryable;

export async function withRetries<T>(
  policy: S3RetryPolicy,
  attempt: (signal: AbortSignal) => Promise<T>,
  classify: (err: unknown) => StorageError,
  onRetry?: (err: StorageError, attemptNo: number, delayMs: number) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    const signal = AbortSignal.timeout(policy.deadlineMs);
    let failure: StorageError;
    try {
      return await attempt(signal);
    } catch (err) {
      failure = classify(signal.aborted ? Object.assign(new Error('timeout'), { name: 'TimeoutError' }) : err);
    }
    if (!retryable(failure) || n >= policy.attempts) throw failure;
    const delay = Math.round(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
    onRetry?.(failure, n, delay);
    await new Promise((r) => setTimeout(r, delay));
  }
}
