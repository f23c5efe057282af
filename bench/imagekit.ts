/**
 * npm run bench -- --backend imagekit [--sizes 100000 --latency 50 --ik-rate 1000]
 *
 * For each N: N generated files in the ImageKit emulator (3 per second of createdAt, 20 folders;
 * per-call latency; --ik-rate calls a second allowed), N references in an SQLite file (90 % of the files
 * as a bare path, a `tr:` URL or a `?tr=` URL, 10 % to paths that do not exist), then
 * `asset-audit detect --all` spawned as a user would run it. Prints wall time, API calls (counted
 * by the emulator) against the minimum (one call per 1,000 files listed, plus the lookups the
 * CLI made: none when the listing was complete, as it proves absence), the lower bound on time (listing pages × latency: the listing is one sequential chain), and
 * the CLI's peak RSS (GNU time, the child alone).
 */
import { startEmulatorThread } from './emulator-thread.js';
import { timedCli } from './timed-cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateFiles } from '../src/emulator/imagekit/index.js';
import type { ImageKitWorkerData } from './imagekit-worker.js';
import Database from 'better-sqlite3';

const PAGE = 1000;

const { values } = parseArgs({
  options: {
    backend: { type: 'string' },
    sizes: { type: 'string', default: process.env.BENCH_SIZES ?? '100000' },
    latency: { type: 'string', default: '50' },
    'ik-rate': { type: 'string', default: '1000' },
  },
  strict: false,
});
const sizes = String(values.sizes).split(',').map((s) => Number(s.trim()));
const latency = Number(values.latency);
const rate = Number(values['ik-rate']);

async function startEmulator(n: number) {
  const data: ImageKitWorkerData = { n, latencyMs: latency, rate: { limit: rate, intervalMs: 1000 } };
  const thread = await startEmulatorThread<{ url: string }, number>('./imagekit-worker.ts', data);
  return { storageUrl: thread.ready.url, calls: thread.calls, stop: thread.stop };
}

async function benchOne(n: number) {
  const emu = await startEmulator(n);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asset-audit-bench-ik-'));
  const file = path.join(dir, 'refs.sqlite3');
  try {
    const db = new Database(file);
    db.exec('CREATE TABLE refs (id int PRIMARY KEY, ref text NOT NULL)');
    const insert = db.prepare('INSERT INTO refs VALUES (?, ?)');
    db.transaction(() => {
      let i = 0;
      for (const f of generateFiles(n, { perSecond: 3 })) {
        const key = f.filePath.slice(1);
        const value = i % 10 === 0 ? `gone/file-${i}.jpg` : i % 3 === 0 ? key : i % 3 === 1 ? `https://ik.imagekit.io/bench/tr:w-300,h-200/${key}` : `https://ik.imagekit.io/bench/${key}?tr=w-300`;
        insert.run(i++, value);
      }
    })();
    db.close();
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify({ references: [{ name: 'refs', table: 'refs', column: 'ref', id: 'id' }] }));
    const args = ['detect', '--all', '--json', '--fail-on', 'none'];
    const env: NodeJS.ProcessEnv = { ...process.env, STORAGE_URL: emu.storageUrl, DATABASE_URL: `sqlite://${file}`, NO_COLOR: '1' };
    delete env.CLOUDINARY_URL;
    const before = await emu.calls();
    const { code, stdout, stderr, wallS, rssMb } = await timedCli(args, { cwd: dir, env });
    if (code !== 0) throw new Error(`detect exited ${code}:\n${stderr.slice(-3000)}`);
    const result = JSON.parse(stdout) as { api: { lookups: number }; listing: { partitions: Array<{ pages: number }> }; orphans: unknown[]; missing: unknown[] };
    const pages = Math.max(...result.listing.partitions.map((p) => p.pages));
    const calls = (await emu.calls()) - before;
    // a page per 1,000 files, and the empty page that proves the end when n is a multiple of it
    const minCalls = Math.floor(n / PAGE) + 1 + result.api.lookups;
    return { n, wallS, calls, minCalls, lookups: result.api.lookups, pages, lowerS: (pages * latency) / 1000, rssMb, orphans: result.orphans.length, missing: result.missing.length };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.stop();
  }
}

process.stdout.write(`asset-audit bench (ImageKit) — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, latency ${latency} ms/call, rate ${rate} calls/s\n`);
process.stdout.write('N | wall s | API calls (min) | list pages | lookups | lower bound s | peak RSS MB | orphans | missing\n');
for (const n of sizes) {
  const r = await benchOne(n);
  process.stdout.write(`${r.n.toLocaleString('en-US')} | ${r.wallS.toFixed(1)} | ${r.calls} (${r.minCalls}) | ${r.pages} | ${r.lookups} | ${r.lowerS.toFixed(1)} | ${r.rssMb?.toFixed(0) ?? 'n/a'} | ${r.orphans} | ${r.missing}\n`);
}
