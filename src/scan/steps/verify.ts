/** Step 4: what the listing could not settle, by lookups or HEAD requests. */
import { confirmMissing } from '../verify.js';
import type { DetectState } from '../state.js';

export async function verifyReferences(s: DetectState): Promise<void> {
  const { log, input } = s;
  log.info(`Checking ${s.index.distinctCount.toLocaleString('en-US')} referenced assets for existence…`);
  const verified = await confirmMissing(s.storage, s.index, s.ledger, { scope: s.scope, mask: s.mask }, { signal: input.signal, log, waiter: s.waiter, verify: s.verify, stopAt: input.stopAt ?? 0.95, concurrency: s.concurrency });
  s.heads = verified.heads;
  // an inconclusive HEAD leaves references unverified: the scan is incomplete, as after a stop,
  // and its checkpoint lets --resume check just what is left
  if (!verified.stop && verified.inconclusive) {
    verified.stop = {
      kind: 'unverified',
      message: `${verified.inconclusive.toLocaleString('en-US')} existence check(s) by HEAD settled nothing (${verified.inconclusiveReason ?? 'no answer'}); the references they left open are listed as unverified`,
    };
  }
  s.stop = verified.stop;
  s.lookups = verified.lookups;
}
