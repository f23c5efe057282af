/**
 * Runs the demo: the Cloudinary emulator and an embedded Postgres (PGlite, served over the wire
 * protocol on loopback) filled with the sample, then the real `detect` command against them. No
 * network, no server, no environment variables: what a new user sees on the first run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudinaryEmulator } from '../emulator/index.js';
import type { Logger } from '../log.js';
import { DEMO_CLOUD, demoConfig, demoSample } from './sample.js';

export interface DemoEnvironment {
  cloudinaryUrl: string;
  databaseUrl: string;
  configFile: string;
  expected: { orphans: number; missing: number; assets: number };
  stop(): Promise<void>;
}

/** Starts and fills both services; the caller runs detect and then calls stop(). */
export async function startDemo(log: Logger, assets?: number): Promise<DemoEnvironment> {
  const sample = demoSample(assets);
  const emulator = await CloudinaryEmulator.start({ cloudName: DEMO_CLOUD, apiKey: '111122223333444', apiSecret: `demo-${randomBytes(12).toString('hex')}`, logRequests: false });
  emulator.addAssets(sample.assets);
  log.info(`Started the Cloudinary emulator on ${emulator.uploadPrefix} with ${sample.assets.length.toLocaleString('en-US')} assets (cloud "${DEMO_CLOUD}")`);

  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  for (const statement of sample.sql) await db.exec(statement);
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  // the socket server does not expose its port; its listening net.Server does
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
  log.info(`Started an embedded Postgres (PGlite) on 127.0.0.1:${port} with the sample app tables: prompts, users, articles (HTML), products (JSON), documents`);

  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-demo-'));
  const configFile = path.join(dir, 'asset-audit.config.json');
  writeFileSync(configFile, JSON.stringify(demoConfig, null, 2));

  return {
    cloudinaryUrl: emulator.cloudinaryUrl,
    // PGlite accepts any password; a random one keeps the demo's diagnostics free of masked words
    databaseUrl: `postgres://postgres:${randomBytes(12).toString('hex')}@127.0.0.1:${port}/postgres`,
    configFile,
    expected: { ...sample.expected, assets: sample.assets.length },
    async stop() {
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { DEMO_CLOUD };
