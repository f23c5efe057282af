/** Step 3: the listing, every asset judged (or held until the last reference is in). */
import { judgeAsset } from '../../audit/judge.js';
import { listChains } from '../list.js';
import type { DetectState } from '../state.js';

export async function listAndJudge(s: DetectState): Promise<void> {
  const { scope, log, input, judge } = s;
  const pendingChains = s.chains.filter((c) => !c.complete).length;
  log.info(`${s.resume ? 'Resuming' : 'Listing'} ${pendingChains} ${s.storage.name} listing chain(s)${s.since ? ` for assets uploaded since ${scope.since}` : ''}${scope.prefix ? ` under "${scope.prefix}"` : ''}…`);
  const outcome = await listChains(s.storage, s.chains, { prefix: scope.prefix ?? undefined, since: s.since, signal: s.overlap ? s.listSignal : input.signal, log, waiter: s.waiter, concurrency: s.concurrency, split: s.windows === 'auto' }, (asset) => {
    judge.counters.listed++;
    // never judged before every reference is known
    if (s.referencesComplete) judgeAsset(judge, asset);
    else s.pending.add(asset);
  }, s.extras);
  for (const { partition, prefix } of outcome.fullyListed) s.ledger.markListedFully(partition, prefix);
  // a stop caused by the other half failing is that failure's, not a stop of the scan
  if (!(s.halt.signal.aborted && !input.signal?.aborted)) s.stop ??= outcome.stop;
  log.info(`  ${judge.counters.listed.toLocaleString('en-US')} assets listed in ${s.chains.reduce((n, c) => n + c.pages, 0)} page(s)`);
}
