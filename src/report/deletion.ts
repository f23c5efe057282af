/** What `delete` shows of a deletion: the plan and the outcome as lines, and the whole run as JSON. */
import path from 'node:path';
import type { DeletePlan } from '../delete/plan.js';
import type { DeletionResult } from '../delete/run.js';
import { oneLine } from './one-line.js';
import { mb } from './summary.js';

/** How many planned deletions are named one by one. */
export const LIST_LIMIT = 50;

export function planLines(plan: DeletePlan, confirmed: boolean): string[] {
  const bytes = plan.toDelete.reduce((n, i) => n + i.current.bytes, 0);
  const lines = ['', `${confirmed ? 'Deleting' : 'Would delete'} ${plan.toDelete.length} asset(s), ${mb(bytes)}:`];
  for (const { current } of plan.toDelete.slice(0, LIST_LIMIT)) lines.push(`  - ${current.resourceType}/${current.type} ${oneLine(current.publicId)} (${mb(current.bytes)})`);
  if (plan.toDelete.length > LIST_LIMIT) lines.push(`  … and ${plan.toDelete.length - LIST_LIMIT} more`);
  const reasons = new Map<string, string[]>();
  for (const s of plan.settled) reasons.set(s.outcome, [...(reasons.get(s.outcome) ?? []), s.candidate.publicId]);
  for (const [reason, ids] of reasons) {
    lines.push(`${describe(reason)}: ${ids.length}`);
    for (const id of ids.slice(0, LIST_LIMIT)) lines.push(`  - ${id}`);
  }
  if (plan.alreadyDone) lines.push(`Finished by an earlier run (journal): ${plan.alreadyDone}`);
  return lines;
}

/** The closing lines of a run that ended as a dry run or executed; none for the others. */
export function outcomeLines(result: DeletionResult): string[] {
  if (result.status === 'dry_run') return ['', `Dry run: nothing was deleted. Run again with --confirm to delete ${result.plan.toDelete.length} asset(s).`];
  if (result.status !== 'executed') return [];
  const t = result.totals;
  const backupDir = result.backupDir;
  return [
    '',
    `Deleted ${t.deleted}, already gone ${t.alreadyGone}, skipped ${t.skipped}, failed ${t.failed}${t.alreadyDone ? `, done by an earlier run ${t.alreadyDone}` : ''}.`,
    `Journal: ${path.relative(process.cwd(), result.journalFile)}`,
    ...(backupDir ? [`Backups: ${backupDir} — to put them back: asset-audit restore --backup-dir ${backupDir} --confirm`] : []),
  ];
}

/** `delete --json`: the plan, and for an executed run what the storage answered. */
export function deletionJson(result: DeletionResult & { status: 'dry_run' | 'executed' }): string {
  const { plan } = result;
  const json = {
    format: 'asset-audit/delete',
    cloudName: result.cloudName,
    dryRun: result.status === 'dry_run',
    toDelete: plan.toDelete.map(({ current }) => ({ publicId: current.publicId, resourceType: current.resourceType, type: current.type, bytes: current.bytes, assetId: current.assetId })),
    settled: plan.settled.map((s) => ({ publicId: s.candidate.publicId, resourceType: s.candidate.resourceType, type: s.candidate.type, outcome: s.outcome })),
    alreadyDone: plan.alreadyDone,
    ...(result.status === 'executed' ? { outcome: result.outcome } : {}),
  };
  return JSON.stringify(json, null, 2) + '\n';
}

function describe(outcome: string): string {
  switch (outcome) {
    case 'skipped:referenced':
      return 'Skipped, referenced in the database now';
    case 'skipped:ignored':
      return 'Skipped, matches an ignore glob';
    case 'skipped:replaced_since_scan':
      return 'Skipped, replaced in Cloudinary since the scan (asset_id, size or upload time differ)';
    case 'skipped:too_recent':
      return 'Skipped, uploaded less than --min-age hours ago';
    case 'not_found':
      return 'Already gone from Cloudinary';
    default:
      return outcome;
  }
}
