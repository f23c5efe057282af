/**
 * The storage contract suite (test/support/storage-contract.ts), one entry per backend. Cloudinary:
 * the official SDK talking to the emulator over loopback; ImageKit: @imagekit/nodejs talking to its
 * emulator. The next backends add an entry here.
 */
import { afterAll, beforeAll } from 'vitest';
import { CloudinaryEmulator, type DeliveryType, type ResourceType } from '../../src/emulator/index.js';
import { ImageKitEmulator } from '../../src/emulator/imagekit/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { openStorage } from '../../src/storage/open.js';
import { describeStorageBackend } from '../support/storage-contract.js';

let emu: CloudinaryEmulator;
let cloudinary: StorageBackend;
let ik: ImageKitEmulator;
let imagekit: StorageBackend;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'contract-cloud', logRequests: false });
  cloudinary = await openStorage({ cloudinary: { hosts: [] } }, { CLOUDINARY_URL: emu.cloudinaryUrl });
  ik = await ImageKitEmulator.start({ urlEndpointId: 'contract', logRequests: false });
  imagekit = await openStorage({ cloudinary: { hosts: [] } }, { STORAGE_URL: ik.storageUrl });
});

afterAll(async () => {
  cloudinary?.close();
  imagekit?.close();
  await emu?.stop();
  await ik?.stop();
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
