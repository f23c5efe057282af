/**
 * The storage contract suite (test/support/storage-contract.ts), one entry per backend. Cloudinary:
 * the official SDK talking to the emulator over loopback; ImageKit: @imagekit/nodejs talking to its
 * emulator; a temporary media folder. S3 has its own file (storage-s3.test.ts).
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { CloudinaryEmulator, type DeliveryType, type ResourceType } from '../../src/emulator/index.js';
import { ImageKitEmulator } from '../../src/emulator/imagekit/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { openStorage } from '../../src/storage/open.js';
import { describeStorageBackend } from '../support/storage-contract.js';

let emu: CloudinaryEmulator;
let cloudinary: StorageBackend;
let folder: StorageBackend;
let dir: string;
let ik: ImageKitEmulator;
let imagekit: StorageBackend;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'contract-cloud', logRequests: false });
  cloudinary = await openStorage({ cloudinary: { hosts: [] } }, { CLOUDINARY_URL: emu.cloudinaryUrl });
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-contract-'));
  mkdirSync(path.join(dir, 'media'));
  // opened for a delete: its quarantine is beside the root
  folder = await openStorage({ cloudinary: { hosts: [] } }, { STORAGE_URL: 'file:media' }, { configDir: dir, deleting: true });
  ik = await ImageKitEmulator.start({ urlEndpointId: 'contract', logRequests: false });
  imagekit = await openStorage({ cloudinary: { hosts: [] } }, { STORAGE_URL: ik.storageUrl });
});

afterAll(async () => {
  cloudinary?.close();
  folder?.close();
  imagekit?.close();
  await emu?.stop();
  await ik?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describeStorageBackend('cloudinary (SDK → emulator)', {
  world: () => ({
    backend: cloudinary,
    put: (p, key, bytes) => emu.addAsset({ public_id: key, resource_type: p.resourceType as ResourceType, type: p.type as DeliveryType, ...(bytes !== undefined ? { bytes } : {}) }).asset_id,
    replace: (p, key) => {
      emu.removeAsset(p.resourceType, p.type, key);
      return emu.addAsset({ public_id: key, resource_type: p.resourceType as ResourceType, type: p.type as DeliveryType }).asset_id;
    },
    clear: () => emu.clearAssets(),
  }),
});

/** A file written behind the backend's back; a new file under a key is a new inode (written aside, renamed over). */
function putFile(key: string, bytes = 16, tag = ''): string {
  const file = path.join(dir, 'media', key);
  mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  writeFileSync(aside, Buffer.alloc(bytes, tag || key));
  renameSync(aside, file);
  const st = statSync(file);
  return `${key}@${st.dev}:${st.ino}:${st.mtimeMs}`;
}

describeStorageBackend('local folder (a temporary media root)', {
  world: () => ({
    backend: folder,
    put: (_p, key, bytes) => putFile(key, bytes),
    replace: (_p, key) => putFile(key, 32, 'replacement'),
    clear: () => {
      rmSync(path.join(dir, 'media'), { recursive: true, force: true });
      mkdirSync(path.join(dir, 'media'));
    },
  }),
});

describeStorageBackend('imagekit (SDK → emulator)', {
  world: () => ({
    backend: imagekit,
    put: (_p, key, bytes) => ik.addFile({ filePath: `/${key}`, ...(bytes !== undefined ? { size: bytes } : {}) }).fileId,
    replace: (_p, key) => {
      const old = ik.fileAt(`/${key}`);
      if (old) ik.removeFile(old.fileId);
      return ik.addFile({ filePath: `/${key}` }).fileId;
    },
    clear: () => ik.clearFiles(),
  }),
});
