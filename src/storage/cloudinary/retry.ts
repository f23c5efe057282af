/** Bounded retries with exponential backoff and full jitter, and a deadline enforced by us. */
import { StorageError } from './errors.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** No retry starts after this much time has passed since the first attempt. */
  totalBudgetMs: number;
  /** Per-attempt deadline: the SDK's own timeout does not abort a request. */
  deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  totalBudgetMs: 120_000,
  deadlineMs: 60_000,
};

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError('timeout', `${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
    timer.unref?.();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function retrying<T>(
  policy: RetryPolicy,
  attempt: () => Promise<T>,
  onRetry?: (err: StorageError, attemptNo: number, delayMs: number) => void,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<T> {
  const started = Date.now();
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof StorageError) || !err.retryable || n >= policy.attempts) throw err;
      const delay = Math.round(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1)));
      if (Date.now() - started + delay > policy.totalBudgetMs) throw err;
      onRetry?.(err, n, delay);
      await sleep(delay);
    }
  }
}
