/**
 * Keeps a scan inside the account's hourly Admin API budget. The service reports the budget on
 * every response; calls still in flight count as spent so parallel partitions cannot overshoot.
 */
import type { Budget } from '../types.js';
import { BudgetExhausted } from '../budget.js';

export { BudgetExhausted };

export interface GuardOptions {
  /** Fraction of the hourly limit at which to warn once (0.8 by default). */
  warnAt: number;
  /** Fraction of the hourly limit at which to stop before calling again (0.95 by default). */
  stopAt: number;
  onWarn?: (budget: Budget) => void;
}

export class RateLimitGuard {
  private last?: Budget;
  private inFlight = 0;
  private warned = false;

  constructor(private readonly options: GuardOptions) {}

  get budget(): Budget | undefined {
    return this.last;
  }

  /** Throws BudgetExhausted instead of making a call that would pass the stop threshold. */
  acquire(): void {
    // a budget whose reset time has passed says nothing about the new window (--wait-for-reset)
    if (this.last?.resetAt && Date.now() >= this.last.resetAt.getTime()) this.last = undefined;
    const b = this.last;
    if (b && b.limit > 0) {
      const used = b.limit - b.remaining + this.inFlight + 1;
      if (b.remaining - this.inFlight <= 0 || used > b.limit * this.options.stopAt) {
        throw new BudgetExhausted(
          `stopped at ${b.limit - b.remaining}/${b.limit} Admin API calls this hour (stop threshold ${Math.round(this.options.stopAt * 100)}%)` +
            (b.resetAt ? `; the budget resets at ${b.resetAt.toISOString()}` : ''),
          b,
        );
      }
    }
    this.inFlight++;
  }

  release(observed?: Budget): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (!observed) return;
    // responses can arrive out of order; the lowest remaining is the freshest
    if (!this.last || observed.remaining <= this.last.remaining || observed.limit !== this.last.limit || (observed.resetAt && this.last.resetAt && observed.resetAt > this.last.resetAt)) {
      this.last = observed;
    }
    const b = this.last;
    if (!this.warned && b.limit > 0 && b.limit - b.remaining >= b.limit * this.options.warnAt) {
      this.warned = true;
      this.options.onWarn?.(b);
    }
  }

  /** The service said 420/429: nothing more can be called until the reset. */
  exhausted(resetAt?: Date): BudgetExhausted {
    const b = this.last ? { ...this.last, remaining: 0, resetAt: resetAt ?? this.last.resetAt } : undefined;
    if (b) this.last = b;
    return new BudgetExhausted(
      'Cloudinary answered "Rate Limit Exceeded": the hourly Admin API budget is spent' +
        (b?.resetAt ? `; it resets at ${b.resetAt.toISOString()}` : ''),
      b,
    );
  }
}
