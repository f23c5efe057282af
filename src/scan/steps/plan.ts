/** Step 2: the plan — what the scan will cost against the budget left, and whether it may start. */
import { slotsInScope } from '../../audit/classify.js';
import { newChain, planChains } from '../list.js';
import { estimate, planLines, type ScanPlan } from '../plan.js';
import { asStop } from '../stop.js';
import { usableBudget } from '../verify.js';
import { idOfSlot, type DetectState } from '../state.js';

/** The calls the plan needs (the usage report, window probes); they need no reference. */
export async function planCalls(s: DetectState, probe: boolean): Promise<void> {
  const { storage, scope, log, input } = s;
  const callsBefore = storage.calls;
  // the plan is advice: a usage report or a window probe that fails leaves the scan as it would be without it
  s.usage = await storage.accountUsage?.().catch((err: unknown) => {
    s.stop ??= asStop(err, input.signal);
    if (!s.stop) log.debug(`no usage report for the plan: ${(err as Error).message}`);
    return undefined;
  });
  s.planCalls = storage.accountUsage ? 1 : 0;
  if (probe && scope.orphans && !s.stop) {
    const planned = await planChains(storage, s.targets, {
      windows: s.windows,
      concurrency: s.concurrency,
      since: s.since,
      prefix: scope.prefix ?? undefined,
      now: s.started,
      assets: s.usage?.resources,
      usable: usableBudget(storage.budget, input.stopAt ?? 0.95),
    }).catch((err: unknown) => {
      s.stop ??= asStop(err, input.signal);
      if (!s.stop) log.warn(`could not split the listing into upload-time windows (${(err as Error).message}); listing each chain whole`);
      return { chains: s.targets.map((t) => newChain(t)), choice: undefined };
    });
    s.chains = planned.chains;
    s.windowChoice = planned.choice;
    if (planned.choice) log.debug(`windows: ${planned.choice.reason}`);
    s.planCalls = storage.calls - callsBefore;
  }
}

/** The estimate, once the references say how many lookups there may be. */
export function makePlan(s: DetectState): ScanPlan {
  const { scope, storage, input, log } = s;
  const idOf = idOfSlot(s);
  let toCheck = 0;
  if (scope.missing) s.index.forEachRequirement((_, c) => void (slotsInScope(c, scope, s.mask, idOf) && toCheck++));
  const plan = estimate({
    assets: s.usage?.resources,
    // automatic windows split while listing: count the windows the plan expects, not just those made so far
    chains: Math.max(s.chains.length, s.windowChoice ? s.targets.length - s.windowChoice.split + s.windowChoice.windows : 0),
    listing: scope.orphans,
    exhaustive: scope.orphans && !s.since && s.mask === s.index.masks.all && s.chains.every((c) => !c.window || c.window.via === 'list'),
    referencesToCheck: scope.missing ? toCheck : 0,
    partitionsPerReference: storage.partitions.length,
    limits: storage.limits,
    planCalls: s.planCalls,
    budget: storage.budget,
    stopAt: input.stopAt ?? 0.95,
    verify: s.verify,
  });
  if (s.windowChoice) plan.windows = s.windowChoice;
  s.plan = plan;
  const lines = planLines(plan);
  if (plan.fits === false) lines.forEach((l) => log.warn(l));
  else log.debug(lines.join('\n'));
  input.onPlan?.(plan);
  return plan;
}

/** --on-budget stop: a plan that does not fit refuses the scan before any listing call. */
export function refuseIfOver(s: DetectState): boolean {
  const plan = s.plan!;
  if (plan.fits !== false || s.input.plan !== 'stop') return false;
  plan.refused = `the scan needs about ${plan.total} Admin API calls but only ${plan.budget?.usable ?? 0} are usable before the stop threshold (--on-budget stop)` +
    (plan.budget?.resetAt ? `; the budget resets at ${plan.budget.resetAt}` : '');
  return true;
}
