#!/usr/bin/env node
/**
 * Standalone emulator for manual runs and benchmarks:
 *   node --import tsx src/emulator/main.ts --port 9000 --assets 100000
 * Prints one line, the CLOUDINARY_URL to use, then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { CloudinaryEmulator, generateAssets } from './index.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      assets: { type: 'string', default: '0' },
      seed: { type: 'string', default: '1' },
      'cloud-name': { type: 'string' },
      'rate-limit': { type: 'string' },
      'latency-ms': { type: 'string' },
      'rate-limit-status': { type: 'string' },
      'delivery-urls': { type: 'string' },
      log: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(
      'Usage: emulator [--port N] [--assets N] [--seed N] [--cloud-name NAME] [--rate-limit N]\n' +
        '                [--rate-limit-status 420|429] [--latency-ms N] [--delivery-urls cloudinary|emulator] [--log]\n',
    );
    return;
  }
  const int = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const status = int('rate-limit-status', values['rate-limit-status']);
  if (status !== undefined && status !== 420 && status !== 429) throw new Error('--rate-limit-status must be 420 or 429');
  const deliveryUrls = values['delivery-urls'];
  if (deliveryUrls !== undefined && deliveryUrls !== 'cloudinary' && deliveryUrls !== 'emulator') {
    throw new Error('--delivery-urls must be cloudinary or emulator');
  }
  const emulator = await CloudinaryEmulator.start({
    port: int('port', values.port) ?? 0,
    cloudName: values['cloud-name'],
    rateLimit: int('rate-limit', values['rate-limit']),
    latencyMs: int('latency-ms', values['latency-ms']),
    rateLimitStatus: status as 420 | 429 | undefined,
    deliveryUrls,
    logRequests: values.log,
  });
  const count = int('assets', values.assets) ?? 0;
  if (count > 0) emulator.addAssets(generateAssets(count, { seed: int('seed', values.seed) ?? 1 }));
  process.stdout.write(`${emulator.cloudinaryUrl}\n`);
  const shutdown = (): void => {
    void emulator.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
