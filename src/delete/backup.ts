/**
 * Backups taken right before deleting: each original is downloaded, its size checked against what
 * Cloudinary reports, and recorded in a manifest that `asset-audit restore` reads. The file and
 * the manifest line are fsynced before the DELETE call that depends on them. An asset whose
 * backup failed is not deleted.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { refusal } from '../errors.js';
import { appendDurably, writeFileDurably } from '../files/safe-write.js';
import type { StoredAsset } from '../storage/types.js';

export const MANIFEST = 'manifest.jsonl';
/** One download may take this long before the backup counts as failed. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface BackupEntry {
  /** The cloud the original was taken from: restore refuses to upload it into another one. */
  cloudName?: string;
  publicId: string;
  resourceType: string;
  type: string;
  format: string;
  bytes: number;
  sha256: string;
  assetId: string;
  version?: number;
  createdAt: string;
  /** Relative to the backup directory. */
  file: string;
  backedUpAt: string;
}

/**
 * A file name that cannot escape the backup directory, whatever the public_id holds, and one per
 * asset_id: a later file under the same public_id never overwrites the backup of an earlier one.
 */
export function backupFileName(asset: { publicId: string; resourceType: string; type: string; format?: string; assetId?: string }): string {
  const ext = asset.resourceType !== 'raw' && asset.format ? `.${asset.format}` : '';
  const parts = [asset.resourceType, asset.type, ...(asset.assetId ? [encodeURIComponent(asset.assetId)] : [])];
  return path.join(...parts, `${encodeURIComponent(asset.publicId)}${ext}`);
}

export async function backupAsset(dir: string, asset: StoredAsset, url: string, cloudName: string): Promise<BackupEntry> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`download answered HTTP ${response.status}`);
  const data = Buffer.from(await response.arrayBuffer());
  if (data.length !== asset.bytes) throw new Error(`downloaded ${data.length} bytes, Cloudinary reports ${asset.bytes}`);
  const relative = backupFileName(asset);
  writeFileDurably(path.join(dir, relative), data);
  const entry: BackupEntry = {
    cloudName,
    publicId: asset.publicId,
    resourceType: asset.resourceType,
    type: asset.type,
    format: asset.format ?? '',
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    assetId: asset.assetId ?? '',
    ...(asset.version !== undefined ? { version: asset.version } : {}),
    createdAt: asset.createdAt,
    file: relative,
    backedUpAt: new Date().toISOString(),
  };
  appendDurably(path.join(dir, MANIFEST), JSON.stringify(entry) + '\n');
  return entry;
}

/**
 * The manifest's entries. One that cannot be read, or whose file would lie outside the backup
 * directory (an absolute path, `..`, a symlinked folder), refuses the whole manifest: restore
 * uploads only what delete saved, and only from where it saved it.
 */
export function readManifest(dir: string): BackupEntry[] {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return [];
  const root = realpathSync(dir);
  const entries: BackupEntry[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      const fail = (why: string) => refusal(`refusing the backup manifest ${file}: line ${i + 1}: ${why}. Nothing was uploaded.`);
      let entry: BackupEntry;
      try {
        entry = JSON.parse(text) as BackupEntry;
      } catch {
        throw fail('not a JSON object (truncated or edited?)');
      }
      for (const key of ['publicId', 'resourceType', 'type', 'file', 'sha256'] as const) {
        if (typeof entry[key] !== 'string' || entry[key] === '') throw fail(`"${key}" is missing`);
      }
      if (!insideDirectory(root, entry.file)) throw fail(`the path "${entry.file}" leaves the backup directory`);
      entries.push(entry);
    });
  return entries;
}

function insideDirectory(root: string, relative: string): boolean {
  if (path.isAbsolute(relative) || relative.includes('\0')) return false;
  const target = path.resolve(root, relative);
  if (!target.startsWith(root + path.sep)) return false;
  // a folder inside the backup directory may itself be a link that points out of it
  try {
    return realpathSync(target).startsWith(root + path.sep);
  } catch {
    return true; // a missing file is reported as such by restore
  }
}
