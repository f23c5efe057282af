/**
 * Runs the demo: the Cloudinary emulator and an app database (an SQLite file, or PGlite on request)
 * filled with the sample, then the real `detect` command against them. No network, no server, and
 * none of the user's environment: detect is handed the demo's settings explicitly.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudinaryEmulator } from '../emulator/index.js';
import type { Logger } from '../log.js';
import { startDemoDatabase } from './database.js';
import { DEMO_CLOUD, demoConfig, demoSample, type DemoDatabase } from './sample.js';

export interface DemoEnvironment {
  /** The only settings the demo's detect sees: CLOUDINARY_URL and DATABASE_URL of the demo's services. */
  env: { CLOUDINARY_URL: string; DATABASE_URL: string };
  configFile: string;
  expected: { orphans: number; missing: number; assets: number };
  stop(): Promise<void>;
}

export interface DemoOptions {
  assets?: number;
  database: DemoDatabase;
}

/** Starts and fills both services; the caller runs detect and then calls stop(). */
export async function startDemo(log: Logger, options: DemoOptions): Promise<DemoEnvironment> {
  const sample = demoSample(options.assets, options.database);
  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-demo-'));
  const stops: Array<() => Promise<void>> = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const emulator = await CloudinaryEmulator.start({ cloudName: DEMO_CLOUD, apiKey: '111122223333444', apiSecret: `demo-${randomBytes(12).toString('hex')}`, logRequests: false });
    stops.push(() => emulator.stop());
    emulator.addAssets(sample.assets);
    log.info(`Started the Cloudinary emulator on ${emulator.uploadPrefix} with ${sample.assets.length.toLocaleString('en-US')} assets (cloud "${DEMO_CLOUD}")`);

    const database = await startDemoDatabase(options.database, sample.sql, dir);
    stops.push(() => database.stop());
    log.info(`Filled ${database.description} with the sample app tables: prompts, users, articles (HTML), products (JSON), documents`);

    const configFile = path.join(dir, 'asset-audit.config.json');
    writeFileSync(configFile, JSON.stringify(demoConfig, null, 2));
    return {
      env: { CLOUDINARY_URL: emulator.cloudinaryUrl, DATABASE_URL: database.url },
      configFile,
      expected: { ...sample.expected, assets: sample.assets.length },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export { DEMO_CLOUD };
