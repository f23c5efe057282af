/** Step 1: every reference, from the reader's one read-only snapshot; then what was held is judged. */
import { judgeAsset, rejudgeCarried } from '../../audit/judge.js';
import { collectReferences } from '../../references/collect.js';
import type { DetectState } from '../state.js';
import { makePlan } from './plan.js';

export async function readReferences(s: DetectState): Promise<void> {
  const { log, index, input } = s;
  const { config } = input;
  log.info(`Reading references from ${config.references.length} source(s) in ${input.reader.label}…`);
  const t0 = Date.now();
  try {
    await collectReferences(input.reader, index, {
      sources: config.references,
      grammar: s.storage.grammar,
      signal: s.overlap ? s.listSignal : input.signal,
      onProgress: (source, rows) => log.progress(`read ${rows.toLocaleString('en-US')} rows from "${source}"`),
    });
  } finally {
    await s.closeReader();
  }
  const seconds = (Date.now() - t0) / 1000;
  for (const src of index.sources) {
    log.info(`  ${src.name}: ${src.rows.toLocaleString('en-US')} rows, ${src.references.toLocaleString('en-US')} references${src.foreign ? `, ${src.foreign} foreign` : ''}${src.invalid ? `, ${src.invalid} unparsable` : ''}`);
    if (src.rows === 0) s.warnings.push(`reference source "${src.name}" returned no rows`);
  }
  log.info(`  ${index.referenceCount.toLocaleString('en-US')} references to ${index.distinctCount.toLocaleString('en-US')} distinct assets (${seconds.toFixed(1)} s, ${Math.round(index.referenceCount / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s)`);
  if (index.referenceCount === 0) {
    s.warnings.push('the reference sources returned no references at all: every listed asset will look orphaned. Check DATABASE_URL and the queries.');
  }
  if (s.overlap) await judgeHeld(s);
}

/** The references are complete: judge what a resumed scan carried and what the listing held. */
export async function judgeHeld(s: DetectState): Promise<void> {
  s.referencesComplete = true;
  // the ledger is kept by public_id: it can only be mapped onto the index once every id is in it
  if (s.resume) s.ledger.importState(s.resume.ledger);
  if (s.overlap && !s.resume) {
    await s.planning;
    makePlan(s);
  }
  // references are read afresh on resume: an asset referenced since is no orphan
  rejudgeCarried(s.judge, s.resume?.orphans ?? []);
  if (s.pending.count) s.log.debug(`judging ${s.pending.count.toLocaleString('en-US')} asset(s) listed while the references were read`);
  await s.pending.drain((asset) => judgeAsset(s.judge, asset));
}
