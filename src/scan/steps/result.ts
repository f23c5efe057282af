/** Step 5: the result — findings bucketed and sorted by the pure core, counters, the API spend. */
import { bucketRequirements, finishOrphans, type Buckets } from '../../audit/judge.js';
import type { DetectResult } from '../../audit/result.js';
import { chainStatuses } from '../list.js';
import type { DetectState } from '../state.js';
import { earlierRuns, saveCheckpointOf } from './checkpoint.js';
import { SortedSpool } from '../sorted-spool.js';

export async function resultOf(s: DetectState): Promise<DetectResult> {
  const { scope, input, index, storage, plan, stop, resume } = s;
  const { orphans, counters } = s.judge;
  const checked = scope.missing && !plan?.refused && input.plan !== 'only';
  const buckets: Buckets = checked
    ? await bucketRequirements(s.spool, index, s.ledger, { scope, mask: s.mask }, input.config.references.map((r) => r.name), (compare) => new SortedSpool(compare, input.findingsChunk))
    : { missing: [], unverified: [], outOfScope: 0 };
  // notes set from this run's references (a resumed scan's carried orphans included)
  const orphanRows = finishOrphans(orphans, index);
  const before = earlierRuns(s);
  const checkpoint = saveCheckpointOf(s, orphanRows);
  const finished = s.now();
  const { apart, gaps, notes } = s.extras;
  // a folder that could not be read hides files: not a stop to resume from, but not a whole scan
  const gapReason = gaps.count ? `${gaps.count.toLocaleString('en-US')} part(s) of the store could not be listed (${gaps.samples.slice(0, 3).map((g) => `${g.key}: ${g.reason}`).join('; ')}${gaps.count > 3 ? '; …' : ''})` : undefined;
  const budget = storage.budget;
  return {
    tool: { name: 'asset-audit', version: input.version },
    backend: storage.name,
    cloudName: storage.account,
    startedAt: s.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - s.started.getTime(),
    scope,
    complete: !stop && !plan?.refused && input.plan !== 'only' && !gapReason,
    incompleteReason: [stop?.message ?? plan?.refused, gapReason].filter(Boolean).join('; ') || undefined,
    listing: {
      assets: counters.listed,
      inScope: counters.valid + counters.ignored + orphanRows.length,
      partitions: chainStatuses(s.chains),
      ...(apart.count ? { apart } : {}),
      ...(gaps.count ? { gaps } : {}),
    },
    references: {
      rows: index.sources.reduce((n, src) => n + src.rows, 0),
      references: index.referenceCount,
      distinct: index.distinctCount,
      sources: index.sources,
      foreign: index.foreign,
      invalid: index.invalid,
    },
    orphans: orphanRows,
    orphanBytes: counters.orphanBytes,
    valid: counters.valid,
    ignored: counters.ignored,
    missing: buckets.missing,
    unverified: buckets.unverified,
    outOfScope: buckets.outOfScope,
    api: {
      calls: before.calls + storage.calls,
      retries: storage.retries ?? 0,
      limit: budget?.limit,
      remaining: budget?.remaining,
      resetAt: budget?.resetAt?.toISOString(),
      lookups: before.lookups + s.lookups,
      ...(s.verify !== 'lookup' || before.heads ? { heads: (before.heads ?? 0) + s.heads } : {}),
      listCalls: s.chains.reduce((n, c) => n + c.pages, 0),
      ...(storage.concurrency && storage.concurrency.lowest < storage.concurrency.max ? { concurrency: { max: storage.concurrency.max, lowest: storage.concurrency.lowest } } : {}),
    },
    warnings: [...s.warnings, ...notes],
    ...(plan ? { plan } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(resume ? { resumed: { from: resume.startedAt, runs: before.runs + 1 } } : {}),
  };
}
