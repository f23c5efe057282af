/**
 * Backups taken right before deleting: each original is downloaded, its size checked against what
 * Cloudinary reports, and recorded in a manifest that `asset-audit restore` reads. An asset whose
 * backup failed is not deleted.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { StoredAsset } from '../storage/types.js';

export const MANIFEST = 'manifest.jsonl';
/** One download may take this long before the backup counts as failed. */
export const DOWNLOAD_TIMEOUT_MS = 120_000;

export interface BackupEntry {
  publicId: string;
  resourceType: string;
  type: string;
  format: string;
  bytes: number;
  sha256: string;
  assetId: string;
  createdAt: string;
  /** Relative to the backup directory. */
  file: string;
  backedUpAt: string;
}

/** A file name that cannot escape the backup directory, whatever the public_id holds. */
export function backupFileName(asset: { publicId: string; resourceType: string; type: string; format?: string }): string {
  const ext = asset.resourceType !== 'raw' && asset.format ? `.${asset.format}` : '';
  return path.join(asset.resourceType, asset.type, `${encodeURIComponent(asset.publicId)}${ext}`);
}

export async function backupAsset(dir: string, asset: StoredAsset, url: string): Promise<BackupEntry> {
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`download answered HTTP ${response.status}`);
  const data = Buffer.from(await response.arrayBuffer());
  if (data.length !== asset.bytes) throw new Error(`downloaded ${data.length} bytes, Cloudinary reports ${asset.bytes}`);
  const relative = backupFileName(asset);
  const target = path.join(dir, relative);
  mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.partial`;
  writeFileSync(tmp, data, { mode: 0o600 });
  renameSync(tmp, target);
  const entry: BackupEntry = {
    publicId: asset.publicId,
    resourceType: asset.resourceType,
    type: asset.type,
    format: asset.format ?? '',
    bytes: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    assetId: asset.assetId ?? '',
    createdAt: asset.createdAt,
    file: relative,
    backedUpAt: new Date().toISOString(),
  };
  appendFileSync(path.join(dir, MANIFEST), JSON.stringify(entry) + '\n', { mode: 0o600 });
  return entry;
}

export function readManifest(dir: string): BackupEntry[] {
  const file = path.join(dir, MANIFEST);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as BackupEntry);
}
