/** The bench's ImageKit emulator on its own thread (see emulator-worker.ts for why), holding generateFiles(n). */
import { parentPort, workerData } from 'node:worker_threads';
import { ImageKitEmulator, generateFiles } from '../src/emulator/imagekit/index.js';

export interface ImageKitWorkerData {
  n: number;
  latencyMs: number;
  rate: { limit: number; intervalMs: number };
}

export type ImageKitWorkerReply = { kind: 'ready'; url: string } | { kind: 'calls'; calls: number } | { kind: 'stopped' };

const data = workerData as ImageKitWorkerData;
const emu = await ImageKitEmulator.start({ urlEndpointId: 'bench', latencyMs: data.latencyMs, rate: data.rate, logRequests: false });
emu.addFiles(generateFiles(data.n, { perSecond: 3 }));
const reply = (m: ImageKitWorkerReply) => parentPort!.postMessage(m);
parentPort!.on('message', (m: 'calls' | 'stop') => {
  if (m === 'calls') reply({ kind: 'calls', calls: emu.apiCalls });
  else void emu.stop().then(() => reply({ kind: 'stopped' }));
});
reply({ kind: 'ready', url: emu.storageUrl });
