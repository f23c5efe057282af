/**
 * Puts backed-up originals back under their old public_id, resource type and delivery type, in the
 * cloud they were taken from only. Nothing is overwritten: an asset that exists again under that
 * public_id is skipped, and said so.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { refusal, usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { readManifest, type BackupEntry } from './backup.js';

export interface Uploader {
  upload(file: string, asset: { publicId: string; resourceType: string; type: string }): Promise<Record<string, unknown>>;
}

export interface RestoreOutcome {
  entry: BackupEntry;
  outcome: 'restored' | 'skipped' | 'failed';
  message?: string;
}

export interface RestoreTotals {
  restored: number;
  /** An asset exists under the public_id again; left as it is. */
  skipped: number;
  failed: number;
}

/** What a restore would upload: the manifest's entries (only `only`'s, when given); none is a usage error. */
export function restorePlan(dir: string, only?: string): BackupEntry[] {
  const entries = readManifest(dir).filter((e) => !only || e.publicId === only);
  if (entries.length === 0) throw usageError(`no backups found in ${dir}${only ? ` for "${only}"` : ''} (expected manifest.jsonl written by delete --backup-dir)`);
  return entries;
}

/** The restore core: refuses a foreign cloud, uploads each checked backup, and counts the outcomes. */
export async function runRestore(input: { dir: string; entries: BackupEntry[]; uploader: Uploader; cloudName: string; log: Logger }): Promise<{ outcomes: RestoreOutcome[]; totals: RestoreTotals }> {
  checkRestoreCloud(input.entries, input.cloudName, input.log);
  const outcomes = await restoreBackups(input.dir, input.entries, input.uploader, input.log);
  const count = (what: RestoreOutcome['outcome']) => outcomes.filter((o) => o.outcome === what).length;
  return { outcomes, totals: { restored: count('restored'), skipped: count('skipped'), failed: count('failed') } };
}

/** Refuses entries saved from another cloud than the one restore would upload to. */
export function checkRestoreCloud(entries: BackupEntry[], cloudName: string, log: Logger): void {
  const foreign = new Set(entries.filter((e) => e.cloudName !== undefined && e.cloudName.toLowerCase() !== cloudName.toLowerCase()).map((e) => e.cloudName));
  if (foreign.size) {
    throw refusal(`the backups are from cloud "${[...foreign].join('", "')}" but CLOUDINARY_URL is for "${cloudName}". Nothing was uploaded.`);
  }
  const unknown = entries.filter((e) => e.cloudName === undefined).length;
  if (unknown) log.warn(`${unknown} backup(s) were written by an older asset-audit that did not record their cloud; restoring them into "${cloudName}"`);
}

export async function restoreBackups(dir: string, entries: BackupEntry[], uploader: Uploader, log: Logger): Promise<RestoreOutcome[]> {
  const outcomes: RestoreOutcome[] = [];
  for (const entry of entries) {
    const file = path.join(dir, entry.file);
    const fail = (message: string) => {
      outcomes.push({ entry, outcome: 'failed', message });
      log.warn(`${entry.publicId}: ${message}`);
    };
    if (!existsSync(file)) {
      fail(`backup file ${entry.file} is missing`);
      continue;
    }
    const data = readFileSync(file);
    if (createHash('sha256').update(data).digest('hex') !== entry.sha256) {
      fail(`backup file ${entry.file} does not match its checksum; not uploaded`);
      continue;
    }
    try {
      const result = await uploader.upload(file, entry);
      if (result.existing === true) {
        const message = `an asset exists under this public_id already (asset_id ${String(result.asset_id ?? '?')}); left as it is, not overwritten`;
        outcomes.push({ entry, outcome: 'skipped', message });
        log.warn(`${entry.publicId}: ${message}`);
      } else if (typeof result.bytes === 'number' && result.bytes !== entry.bytes) fail(`uploaded, but Cloudinary reports ${result.bytes} bytes (backup: ${entry.bytes})`);
      else outcomes.push({ entry, outcome: 'restored' });
    } catch (err) {
      fail(`upload failed: ${(err as Error).message}`);
    }
  }
  return outcomes;
}
