/**
 * The detect pipeline as named steps over one state (src/scan/state.ts, src/scan/steps/):
 * references first (so no asset is judged before every use is known), a plan of the calls it will
 * take, then the listing, then lookups for what the listing could not settle, then one result. A
 * scan stopped by the budget or a signal leaves a checkpoint to resume from. detect() takes an open
 * reader and a storage backend and returns the result: no process, flags or environment.
 */
import type { DetectResult } from '../audit/result.js';
import { PendingAssets } from './pending.js';
import { RowSpool } from './spool.js';
import { newState, type DetectInput, type DetectState } from './state.js';
import { listAndJudge } from './steps/list.js';
import { makePlan, planCalls, refuseIfOver } from './steps/plan.js';
import { judgeHeld, readReferences } from './steps/read.js';
import { resultOf } from './steps/result.js';
import { verifyReferences } from './steps/verify.js';

export type { DetectInput } from './state.js';

export async function detect(input: DetectInput): Promise<DetectResult> {
  const spool = new RowSpool();
  const pending = new PendingAssets();
  const state = newState(input, spool, pending);
  try {
    return await run(state);
  } finally {
    await state.closeReader();
    pending.dispose();
    spool.dispose();
  }
}

async function run(s: DetectState): Promise<DetectResult> {
  const { scope, input } = s;
  // 1. every reference, from one read-only snapshot (overlapping the listing where it may)
  const reading = readReferences(s).catch((err: unknown) => {
    s.halt.abort(err);
    throw err;
  });
  reading.catch(() => undefined); // awaited below; meanwhile a failure must not go unhandled
  if (s.overlap) await overlapListing(s, reading);
  else await reading;

  // 2. the plan, judged before any listing call when it may refuse the scan
  if (!s.overlap && !s.resume && (scope.orphans || input.plan === 'only')) {
    await planCalls(s, true);
    makePlan(s);
    if (input.plan === 'only' || refuseIfOver(s)) return resultOf(s);
  }

  // 3. the listing (a resumed scan carries its orphans so far)
  if (!s.overlap) {
    await judgeHeld(s);
    if (scope.orphans && !s.stop) await listAndJudge(s);
  }

  // 4. what the listing could not settle
  if (scope.missing && !s.stop) await verifyReferences(s);

  // 5. the result, and 6. the checkpoint of a stopped scan
  return resultOf(s);
}

/** The plan's calls and the listing alongside the reading; both halves settle before either's failure is rethrown. */
async function overlapListing(s: DetectState, reading: Promise<void>): Promise<void> {
  if (!s.resume) {
    // window probes must place the chains before they start; the usage report alone can run alongside
    if (s.windows !== 1 && !s.scope.prefix && s.storage.searchPage) await planCalls(s, true);
    else s.planning = planCalls(s, false);
  }
  const listing = s.stop ? undefined : listAndJudge(s);
  // nothing may run on after an error
  const [refs, listed] = await Promise.allSettled([
    reading,
    (listing ?? Promise.resolve()).catch((err: unknown) => {
      s.halt.abort(err);
      throw err;
    }),
  ]);
  if (refs.status === 'rejected') throw refs.reason;
  if (listed.status === 'rejected') throw listed.reason;
}
