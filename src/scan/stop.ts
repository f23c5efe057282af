/** Why a scan ended early. Anything else that goes wrong is an error, not a stop. */
import { BudgetExhausted } from '../storage/budget.js';

export interface Stop {
  /** unverified: every check ran, but some (HEADs) settled nothing. */
  kind: 'rate_limit' | 'interrupted' | 'unverified';
  message: string;
}

export function asStop(err: unknown, signal?: AbortSignal): Stop | undefined {
  if (err instanceof BudgetExhausted) return { kind: 'rate_limit', message: err.message };
  if (signal?.aborted) return { kind: 'interrupted', message: `interrupted (${String(signal.reason ?? 'signal')})` };
  return undefined;
}
