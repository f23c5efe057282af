/**
 * Plan before spending: what a scan will cost in Admin API calls, against what is left of the
 * hourly budget. The listing estimate comes from the usage report's resource count (one call);
 * lookups from the references that a listing cannot settle.
 */
import type { StorageLimits } from '../storage/backend.js';
import type { Budget } from '../storage/types.js';

export interface ScanPlan {
  /** Assets in the account, from the usage report. */
  assets?: number;
  chains: number;
  /** Upper estimate: every chain's pages, each chain ending on a partial page. */
  listCalls: number;
  /** Lookups if every reference is found in its likeliest partition… */
  lookupCalls: number;
  /** …and if none is (every possible partition tried). */
  lookupCallsMax: number;
  /** Calls of the planning itself (the usage report, window probes). */
  planCalls: number;
  total: number;
  budget?: { limit: number; remaining: number; usable: number; resetAt?: string };
  fits?: boolean;
  /** Set when --on-budget stop refused to start. */
  refused?: string;
  /** --verify head/auto: how references are checked when not by lookups. */
  verify?: 'head' | 'auto';
  /** --verify head: about this many HEAD requests (outside the Admin API budget), up to heads × 9. */
  heads?: number;
  /** How the listing was split into upload-time windows, or why it was not (absent: not considered). */
  windows?: { split: number; windows: number; extraCalls: number; reason: string; budgetTight?: boolean };
  /** Set when listing the whole account would cost fewer calls than the lookups. */
  listingCheaper?: { lookups: number; listing: number };
}

export function estimate(input: {
  assets?: number;
  chains: number;
  listing: boolean;
  /** The listing proves absence everywhere a reference could be (--all, every partition, no windows). */
  exhaustive: boolean;
  referencesToCheck: number;
  partitionsPerReference: number;
  /** The backend's page size and lookup batch. */
  limits: Pick<StorageLimits, 'pageSize' | 'lookupBatch'>;
  planCalls: number;
  budget?: Budget;
  stopAt: number;
  verify?: 'lookup' | 'head' | 'auto';
}): ScanPlan {
  const listCalls = input.listing ? Math.ceil((input.assets ?? 0) / input.limits.pageSize) + input.chains : 0;
  const batches = Math.ceil(input.referencesToCheck / input.limits.lookupBatch);
  // HEADs are not Admin API calls: --verify head spends no budget on existence checks
  const heads = input.verify === 'head';
  const lookupCalls = input.exhaustive || heads ? 0 : batches;
  const lookupCallsMax = input.exhaustive || heads ? 0 : batches * input.partitionsPerReference;
  const total = listCalls + lookupCalls;
  const plan: ScanPlan = { assets: input.assets, chains: input.chains, listCalls, lookupCalls, lookupCallsMax, planCalls: input.planCalls, total };
  if (input.verify === 'head' || input.verify === 'auto') plan.verify = input.verify;
  if (heads && !input.exhaustive) plan.heads = input.referencesToCheck;
  // one chain per resource type lists every asset: when that is cheaper than the lookups, say so
  const listing = Math.ceil((input.assets ?? 0) / input.limits.pageSize) + 3;
  if (input.assets !== undefined && !input.exhaustive && lookupCalls > listing) plan.listingCheaper = { lookups: lookupCalls, listing };
  const b = input.budget;
  if (b && b.limit > 0) {
    const usable = Math.max(0, Math.floor(b.limit * input.stopAt) - (b.limit - b.remaining));
    plan.budget = { limit: b.limit, remaining: b.remaining, usable, resetAt: b.resetAt?.toISOString() };
    // auto turns to HEADs where the budget does not cover a partition's lookups: only the listing must fit
    plan.fits = (input.verify === 'auto' ? listCalls : total) <= usable;
  }
  return plan;
}

export function planLines(plan: ScanPlan): string[] {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `Plan: about ${n(plan.total)} Admin API call(s)` +
      (plan.assets !== undefined ? ` for ${n(plan.assets)} asset(s) in the account` : ''),
    `  listing: at most ${n(plan.listCalls)} call(s) in ${n(plan.chains)} chain(s)`,
    `  lookups: about ${n(plan.lookupCalls)}${plan.lookupCallsMax > plan.lookupCalls ? ` (up to ${n(plan.lookupCallsMax)} if many references are missing)` : ''}`,
    `  planning: ${n(plan.planCalls)} call(s) already spent`,
  ];
  if (plan.windows) lines.splice(2, 0, `  windows: ${plan.windows.split ? '' : 'not split, '}${plan.windows.reason}`);
  if (plan.verify === 'head') lines.splice(3, 0, `  existence checks: about ${n(plan.heads ?? 0)} HEAD request(s) on delivery URLs, outside the Admin API budget (--verify head)`);
  if (plan.verify === 'auto') lines.splice(3, 0, '  existence checks: by HEAD instead of lookups in any partition whose lookups the budget left does not cover (--verify auto)');
  if (plan.listingCheaper) {
    lines.push(`  note: the lookups (about ${n(plan.listingCheaper.lookups)}) cost more than listing the whole account (about ${n(plan.listingCheaper.listing)} call(s)); --all proves absence by listing, --verify head checks outside the budget`);
  }
  if (plan.budget) {
    lines.push(
      `  budget: ${n(plan.budget.usable)} call(s) usable before the stop threshold (${n(plan.budget.remaining)}/${n(plan.budget.limit)} left this hour` +
        (plan.budget.resetAt ? `, resets at ${plan.budget.resetAt}` : '') + ')',
    );
    lines.push(plan.fits ? '  the scan fits in the budget left' : '  the scan does NOT fit in the budget left: it will stop with a checkpoint to resume after the reset (--resume), or use --wait-for-reset');
  }
  return lines;
}
