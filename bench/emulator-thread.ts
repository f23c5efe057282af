/**
 * An emulator on its own thread, so the CLI under test does not share an event loop with it. Each
 * bench's worker file (emulator-worker.ts, imagekit-worker.ts, s3-emulator-worker.ts) answers the
 * same three messages: `ready` once listening, `calls` with its call counts, `stopped`.
 */
import { Worker } from 'node:worker_threads';

/** A worker's answer: `{ kind: 'ready', …Ready }`, `{ kind: 'calls', calls }` or `{ kind: 'stopped' }`. */
interface Reply {
  kind: 'ready' | 'calls' | 'stopped';
  calls?: unknown;
}

export interface EmulatorThread<Ready, Calls> {
  ready: Ready;
  calls(): Promise<Calls>;
  stop(): Promise<void>;
}

export async function startEmulatorThread<Ready, Calls>(workerFile: string, workerData: unknown): Promise<EmulatorThread<Ready, Calls>> {
  // tsx's loader hooks do not reach worker threads by themselves: the worker registers them first
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL(workerFile, import.meta.url).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData });
  const next = (kind: Reply['kind']) =>
    new Promise<Reply>((resolve, reject) => {
      const onMessage = (m: Reply) => {
        if (m.kind !== kind) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = (await next('ready')) as unknown as Ready;
  return {
    ready,
    async calls() {
      const reply = next('calls');
      worker.postMessage('calls');
      return (await reply).calls as Calls;
    },
    async stop() {
      const reply = next('stopped');
      worker.postMessage('stop');
      await reply;
      await worker.terminate();
    },
  };
}
