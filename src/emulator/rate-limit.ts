import type { RateLimitSettings } from './types.js';

const HOUR_MS = 3_600_000;

function nextHourAfter(now: Date): Date {
  return new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS + HOUR_MS);
}

/**
 * The Admin API budget: a fixed hourly window that resets on the hour, like Cloudinary's
 * X-FeatureRateLimit-* headers describe. Time comes from the injected clock so tests can
 * jump past a reset without waiting.
 */
export class RateLimiter {
  limit: number;
  remaining: number;
  resetAt: Date;
  status: 420 | 429;
  headersEnabled = true;

  constructor(
    limit: number,
    status: 420 | 429,
    private readonly now: () => Date,
  ) {
    this.limit = limit;
    this.remaining = limit;
    this.status = status;
    this.resetAt = nextHourAfter(now());
  }

  private roll(): void {
    const now = this.now();
    if (now.getTime() >= this.resetAt.getTime()) {
      this.remaining = this.limit;
      this.resetAt = nextHourAfter(now);
    }
  }

  /** Spends one call; false when the budget is gone (the call must then be refused). */
  tryConsume(): boolean {
    this.roll();
    if (this.remaining <= 0) return false;
    this.remaining--;
    return true;
  }

  headers(): Record<string, string> {
    if (!this.headersEnabled) return {};
    this.roll();
    return {
      'X-FeatureRateLimit-Limit': String(this.limit),
      'X-FeatureRateLimit-Remaining': String(this.remaining),
      'X-FeatureRateLimit-Reset': this.resetAt.toUTCString(),
    };
  }

  /** The real message names the limit and the reset time; clients usually match on the prefix. */
  exceededMessage(): string {
    const at = this.resetAt.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
    return `Rate Limit Exceeded. Limit of ${this.limit} api operations reached. Try again on ${at}`;
  }

  set(s: RateLimitSettings): void {
    if (s.limit !== undefined) {
      const used = this.limit - this.remaining;
      this.limit = s.limit;
      this.remaining = Math.max(0, s.limit - used);
    }
    if (s.remaining !== undefined) this.remaining = Math.max(0, s.remaining);
    if (s.resetAt !== undefined) this.resetAt = s.resetAt;
    if (s.status !== undefined) this.status = s.status;
    if (s.headers !== undefined) this.headersEnabled = s.headers;
  }
}
