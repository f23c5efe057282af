/**
 * The bench's Cloudinary emulator, on its own thread. In the bench's main thread it would share
 * one event loop with the embedded database (PGlite), so while the CLI reads references and lists
 * at once (as it does against a real account and a real database, which are different machines)
 * each would slow the other down, and the bench would time its own host. The assets are the
 * deterministic generateAssets(n), which the main thread regenerates for the references.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CloudinaryEmulator, generateAssets } from '../src/emulator/index.js';

export interface EmulatorWorkerData {
  n: number;
  latencyMs: number;
  rateLimit: number;
  cloudName: string;
}

export type EmulatorWorkerReply = { kind: 'ready'; url: string } | { kind: 'calls'; calls: number } | { kind: 'stopped' };

const data = workerData as EmulatorWorkerData;
const emu = await CloudinaryEmulator.start({ latencyMs: data.latencyMs, rateLimit: data.rateLimit, logRequests: false, cloudName: data.cloudName });
const batch = [];
for (const a of generateAssets(data.n)) {
  batch.push(a);
  if (batch.length === 50_000) emu.addAssets(batch.splice(0));
}
emu.addAssets(batch);
const reply = (m: EmulatorWorkerReply) => parentPort!.postMessage(m);
parentPort!.on('message', (m: 'calls' | 'stop') => {
  if (m === 'calls') reply({ kind: 'calls', calls: emu.adminCalls });
  else void emu.stop().then(() => reply({ kind: 'stopped' }));
});
reply({ kind: 'ready', url: emu.cloudinaryUrl });
