/**
 * The S3 bench's emulator on its own thread (as emulator-worker.ts does for Cloudinary): the CLI
 * lists while it reads references, and on one event loop the embedded database and the emulator
 * would slow each other down. The objects are the deterministic s3BenchKeys(n, layout).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { S3Emulator, type S3Operation } from '../src/emulator/s3/index.js';
import { s3BenchKeys, type S3Layout } from './s3-keys.js';

export interface S3WorkerData {
  n: number;
  layout: S3Layout;
  latencyMs: number;
}

export type S3WorkerReply = { kind: 'ready'; endpoint: string; env: Record<string, string> } | { kind: 'calls'; calls: Partial<Record<S3Operation, number>> } | { kind: 'stopped' };

const data = workerData as S3WorkerData;
const emu = await S3Emulator.start({ buckets: ['bench'], latencyMs: data.latencyMs });
const old = new Date(Date.now() - 90 * 86_400_000);
for (const key of s3BenchKeys(data.n, data.layout)) emu.put(key, { size: 2048, lastModified: old });
const ops: S3Operation[] = ['ListObjectsV2', 'HeadObject', 'GetObject', 'PutObject', 'DeleteObjects', 'GetBucketVersioning', 'HeadBucket'];
const reply = (m: S3WorkerReply) => parentPort!.postMessage(m);
parentPort!.on('message', (m: 'calls' | 'stop') => {
  if (m === 'calls') reply({ kind: 'calls', calls: Object.fromEntries(ops.map((o) => [o, emu.calls(o)]).filter(([, n]) => n)) });
  else void emu.stop().then(() => reply({ kind: 'stopped' }));
});
reply({ kind: 'ready', endpoint: emu.endpoint, env: emu.env });
