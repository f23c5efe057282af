/** Step 6: a stopped scan's checkpoint, so --resume continues where it ended. */
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, configDigest, type Checkpoint } from '../checkpoint.js';
import { idOfSlot, type DetectState } from '../state.js';
import type { OrphanRow } from '../../audit/result.js';

/** The calls earlier runs of a resumed scan spent. */
export const earlierRuns = (s: DetectState): Checkpoint['api'] => s.resume?.api ?? { calls: 0, listCalls: 0, lookups: 0, runs: 0 };

/** `orphans`: the run's orphans in report order (written a row at a time, never gathered into one array). */
export function saveCheckpointOf(s: DetectState, orphans: Iterable<OrphanRow>): string | undefined {
  const { stop, input, storage, resume } = s;
  if (!stop || !input.saveCheckpoint) return undefined;
  const before = earlierRuns(s);
  return input.saveCheckpoint({
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    writtenAt: s.now().toISOString(),
    startedAt: resume?.startedAt ?? s.started.toISOString(),
    reason: stop.message,
    cloudName: storage.account,
    configDigest: configDigest(input.config),
    scope: s.scope,
    options: { windows: s.windows, verify: s.verify },
    phase: s.chains.every((c) => c.complete) ? 'lookups' : 'listing',
    chains: s.chains,
    counters: s.judge.counters,
    orphans,
    ledger: s.ledger.exportState(idOfSlot(s), s.index.slotCount),
    api: {
      calls: before.calls + storage.calls,
      listCalls: s.chains.reduce((n, c) => n + c.pages, 0),
      lookups: before.lookups + s.lookups,
      heads: (before.heads ?? 0) + s.heads,
      runs: before.runs + 1,
    },
  });
}
