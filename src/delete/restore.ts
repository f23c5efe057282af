/** Puts backed-up originals back under their old public_id, resource type and delivery type. */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { BackupEntry } from './backup.js';

export interface Uploader {
  upload(file: string, asset: { publicId: string; resourceType: string; type: string }): Promise<Record<string, unknown>>;
}

export interface RestoreOutcome {
  entry: BackupEntry;
  outcome: 'restored' | 'failed';
  message?: string;
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
      if (typeof result.bytes === 'number' && result.bytes !== entry.bytes) fail(`uploaded, but Cloudinary reports ${result.bytes} bytes (backup: ${entry.bytes})`);
      else outcomes.push({ entry, outcome: 'restored' });
    } catch (err) {
      fail(`upload failed: ${(err as Error).message}`);
    }
  }
  return outcomes;
}
