/**
 * --wait-for-reset: when the hourly budget is spent and its reset is near, sleep until then and
 * carry on, instead of stopping with a checkpoint. Unattended runs (cron, Heroku Scheduler) then
 * finish on their own. Several chains hitting the limit together share one sleep.
 */
import { BudgetExhausted } from '../storage/budget.js';
import type { Logger } from '../log.js';

/** Cloudinary's budget windows are hourly, so a genuine reset is never further away than this. */
export const MAX_RESET_WAIT_MS = 65 * 60_000;
/** Margin after the announced reset, for clock skew between us and the service. */
export const RESET_MARGIN_MS = 2_000;

export class BudgetWaiter {
  private sleeping?: Promise<boolean>;

  constructor(
    private readonly options: { log: Logger; signal?: AbortSignal; now?: () => number },
  ) {}

  /** True when it slept until the reset (the caller retries); false when the error must stand. */
  async waitAfter(err: unknown): Promise<boolean> {
    if (!(err instanceof BudgetExhausted)) return false;
    this.sleeping ??= this.sleep(err).finally(() => (this.sleeping = undefined));
    return this.sleeping;
  }

  private async sleep(err: BudgetExhausted): Promise<boolean> {
    const resetAt = err.budget?.resetAt?.getTime();
    const now = (this.options.now ?? Date.now)();
    if (resetAt === undefined || resetAt - now > MAX_RESET_WAIT_MS) return false;
    const ms = Math.max(0, resetAt - now) + RESET_MARGIN_MS;
    this.options.log.warn(`${err.message}. Waiting ${Math.ceil(ms / 60_000)} min for the reset (--wait-for-reset)…`);
    const signal = this.options.signal;
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(false);
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
