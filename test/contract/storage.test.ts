/**
 * The storage contract suite (test/support/storage-contract.ts), one entry per backend. Cloudinary:
 * the official SDK talking to the emulator over loopback. The next backends (local folder, S3,
 * ImageKit) add an entry here.
 */
import { afterAll, beforeAll } from 'vitest';
import { CloudinaryEmulator, type DeliveryType, type ResourceType } from '../../src/emulator/index.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import { openStorage } from '../../src/storage/open.js';
import { describeStorageBackend } from '../support/storage-contract.js';

let emu: CloudinaryEmulator;
let cloudinary: StorageBackend;

beforeAll(async () => {
  emu = await CloudinaryEmulator.start({ cloudName: 'contract-cloud', logRequests: false });
  cloudinary = await openStorage({ cloudinary: { hosts: [] } }, { CLOUDINARY_URL: emu.cloudinaryUrl });
});

afterAll(async () => {
  cloudinary?.close();
  await emu?.stop();
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
