/**
 * ImageKit's rate limits, with Cloudinary's guard semantics (warn, stop, checkpoint, resume). The
 * API limits calls per interval (X-RateLimit-Limit calls per X-RateLimit-Interval ms, on every
 * answer) and answers 429 with X-RateLimit-Reset, the ms to wait. Windows are short (a second, a
 * few minutes), so the guard paces instead of stopping: it keeps calls within `stopAt` of the
 * limit per interval, warns once when they reach `warnAt`, and after a 429 waits the announced
 * reset. Only a wait longer than `maxPauseMs` (a long window spent) stops the run with
 * BudgetExhausted: the scan checkpoints, and `--resume` (or --wait-for-reset) carries on.
 */
import type { Budget } from '../types.js';
import { BudgetExhausted } from '../budget.js';

export interface ImageKitGuardOptions {
  warnAt: number;
  stopAt: number;
  /** Longest pause before a call; longer, and the run stops with a checkpoint. */
  maxPauseMs: number;
  onNotice?: (message: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_MAX_PAUSE_MS = 60_000;

export class ImageKitGuard {
  private limit?: number;
  private intervalMs?: number;
  /** Start times of the calls of the last interval. */
  private starts: number[] = [];
  private warned = false;
  private pausedUntil = 0;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: ImageKitGuardOptions) {
    this.now = o.now ?? Date.now;
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The window as the API last described it (remaining: what this run may still call in it). */
  get budget(): Budget | undefined {
    if (this.limit === undefined || this.intervalMs === undefined) return undefined;
    const now = this.now();
    this.forget(now);
    return { limit: this.limit, remaining: Math.max(0, this.limit - this.starts.length), resetAt: new Date((this.starts[0] ?? now) + this.intervalMs) };
  }

  private forget(now: number): void {
    if (this.intervalMs === undefined) return;
    const from = now - this.intervalMs;
    let i = 0;
    while (i < this.starts.length && this.starts[i]! <= from) i++;
    if (i) this.starts = this.starts.slice(i);
  }

  private stop(waitMs: number, why: string): BudgetExhausted {
    const b: Budget = { limit: this.limit ?? 0, remaining: 0, resetAt: new Date(this.now() + waitMs) };
    return new BudgetExhausted(`ImageKit ${why}; calls can resume at ${b.resetAt!.toISOString()}`, b);
  }

  /** Waits until a call fits the window (or throws BudgetExhausted), then counts it. */
  async acquire(): Promise<void> {
    for (;;) {
      const now = this.now();
      this.forget(now);
      let wait = Math.max(0, this.pausedUntil - now);
      if (this.limit !== undefined && this.intervalMs !== undefined) {
        const allowed = Math.max(1, Math.floor(this.limit * this.o.stopAt));
        if (this.starts.length >= allowed) wait = Math.max(wait, this.starts[this.starts.length - allowed]! + this.intervalMs - now);
      }
      if (wait <= 0) break;
      if (wait > this.o.maxPauseMs) throw this.stop(wait, `rate limit: the window of ${this.limit} calls per ${this.intervalMs} ms is spent`);
      await this.sleep(wait);
    }
    this.starts.push(this.now());
    if (!this.warned && this.limit !== undefined && this.starts.length >= this.limit * this.o.warnAt) {
      this.warned = true;
      this.o.onNotice?.(`ImageKit rate limit: ${this.starts.length} of ${this.limit} calls per ${this.intervalMs} ms used; pacing the calls to stay under ${Math.round(this.o.stopAt * 100)}%`);
    }
  }

  /** Reads X-RateLimit-Limit and X-RateLimit-Interval from an answer. */
  observe(headers: Headers | undefined): void {
    const limit = Number(headers?.get('x-ratelimit-limit'));
    const interval = Number(headers?.get('x-ratelimit-interval'));
    if (Number.isFinite(limit) && limit > 0) this.limit = limit;
    if (Number.isFinite(interval) && interval > 0) this.intervalMs = interval;
  }

  /** Still 429 after `attempts` tries, each after the announced reset: the run stops here. */
  refused(what: string, attempts: number): BudgetExhausted {
    return this.stop(Math.max(0, this.pausedUntil - this.now()), `answered 429 (Too Many Requests) to ${what} ${attempts} times in a row`);
  }

  /**
   * A 429: every call pauses for X-RateLimit-Reset ms (the caller retries), or the run stops when
   * that is longer than maxPauseMs, or no reset was announced.
   */
  rateLimited(headers: Headers | undefined): void {
    this.observe(headers);
    const reset = Number(headers?.get('x-ratelimit-reset'));
    if (!Number.isFinite(reset) || reset < 0) throw this.stop(this.o.maxPauseMs, 'answered 429 (Too Many Requests) without X-RateLimit-Reset');
    if (reset > this.o.maxPauseMs) throw this.stop(reset, `answered 429 (Too Many Requests): the limit resets in ${Math.ceil(reset / 1000)} s`);
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + reset);
    if (!this.warned) {
      this.warned = true;
      this.o.onNotice?.(`ImageKit answered 429 (Too Many Requests): pausing ${reset} ms as X-RateLimit-Reset says`);
    }
  }
}
