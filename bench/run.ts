/**
 * npm run bench [-- --sizes 10000,100000 --latency 50 --rate-limit 1000000 --windows 1]
 * (or BENCH_SIZES=1000000 for the opt-in million.)
 *
 * For each N: N generated assets in the emulator (per-call latency, rate limit), N references in
 * Postgres (90 % of the assets, in three stored forms, plus 10 % to assets that do not exist), then
 * `asset-audit detect --all` spawned as a user would run it. Prints wall time, Admin API calls
 * (counted by the emulator) against the minimum, the lower bound on time (pages on the longest
 * cursor chain × latency) and the ratio to it, the CLI's peak RSS (GNU time, measured on the child
 * alone, not this process which hosts the emulator and the database), and references read per second.
 * The emulator runs on its own thread (emulator-worker.ts): the CLI reads references and lists at
 * once, and on one event loop the database and the emulator would slow each other down.
 * BENCH_NODE_ARGS passes flags to the CLI's node (e.g. "--cpu-prof --cpu-prof-dir=DIR");
 * BENCH_BIN runs another build of the CLI; BENCH_VERBOSE=1 prints the CLI's stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { generateAssets } from '../src/emulator/index.js';
import type { EmulatorWorkerData, EmulatorWorkerReply } from './emulator-worker.js';
import Database from 'better-sqlite3';

/** BENCH_BIN: another build of the CLI (e.g. a snapshot, to compare or to keep building meanwhile). */
const BIN = process.env.BENCH_BIN ? path.resolve(process.env.BENCH_BIN) : path.resolve(import.meta.dirname, '../bin/asset-audit.js');
const TIME = '/usr/bin/time';
/** Rows per INSERT: large enough to load a million rows in seconds, small enough for one message. */
const INSERT_BATCH = 20_000;
const PAGE = 500;

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: process.env.BENCH_SIZES ?? '10000,100000' },
    latency: { type: 'string', default: '50' },
    'rate-limit': { type: 'string', default: '1000000' },
    windows: { type: 'string', default: 'auto' },
    concurrency: { type: 'string' },
  },
});
const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
const latency = Number(values.latency);
const rateLimit = Number(values['rate-limit']);
const windows = values.windows;

interface Row {
  n: number;
  wallS: number;
  calls: number;
  minCalls: number;
  lowerS: number;
  rssMb?: number;
  refsPerS?: number;
  orphans: number;
  missing: number;
  exit: number | null;
}

/** The emulator on its own thread (see emulator-worker.ts), holding generateAssets(n). */
async function startEmulator(n: number) {
  const data: EmulatorWorkerData = { n, latencyMs: latency, rateLimit, cloudName: 'bench-cloud' };
  // tsx's loader hooks do not reach worker threads by themselves: the worker registers them first
  const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./emulator-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: data });
  const next = (kind: EmulatorWorkerReply['kind']) =>
    new Promise<EmulatorWorkerReply>((resolve, reject) => {
      const onMessage = (m: EmulatorWorkerReply) => {
        if (m.kind !== kind) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = (await next('ready')) as Extract<EmulatorWorkerReply, { kind: 'ready' }>;
  return {
    cloudinaryUrl: ready.url,
    async adminCalls(): Promise<number> {
      const reply = next('calls');
      worker.postMessage('calls');
      return ((await reply) as Extract<EmulatorWorkerReply, { kind: 'calls' }>).calls;
    },
    async stop(): Promise<void> {
      const reply = next('stopped');
      worker.postMessage('stop');
      await reply;
      await worker.terminate();
    },
  };
}

async function benchOne(n: number): Promise<Row> {
  const emu = await startEmulator(n);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asset-audit-bench-'));
  // an SQLite file: no server to start or to share the two cores with, and the CLI reads it itself
  const dbFile = path.join(dir, 'refs.sqlite3');
  const db = new Database(dbFile);
  try {
    db.exec('CREATE TABLE refs (id integer PRIMARY KEY, ref text NOT NULL)');
    const insert = db.prepare('INSERT INTO refs VALUES (?, ?)');
    const insertMany = db.transaction((rows: Array<[number, string]>) => rows.forEach((r) => insert.run(...r)));
    let rows: Array<[number, string]> = [];
    let i = 0;
    // the same deterministic assets the emulator thread holds
    for (const a of generateAssets(n)) {
      // every 10th asset is an orphan; its reference slot points at an asset that is gone instead
      const value =
        i % 10 === 0
          ? `gone/asset-${i}`
          : a.resource_type === 'raw'
            ? `https://res.cloudinary.com/bench-cloud/raw/upload/v1/${a.public_id}`
            : i % 2
              ? a.public_id
              : `${a.resource_type}/upload/v1/${a.public_id}.${a.format}`;
      rows.push([i++, value]);
      if (rows.length === INSERT_BATCH) insertMany(rows.splice(0));
    }
    insertMany(rows);
    rows = [];
    db.close();
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify({ references: [{ name: 'refs', table: 'refs', column: 'ref', id: 'id' }] }));

    const args = ['detect', '--all', '--json', '--fail-on', 'none', '--windows', windows, ...(values.concurrency ? ['--concurrency', values.concurrency] : []), ...(process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean)];
    const timed = existsSync(TIME);
    // BENCH_NODE_ARGS: flags for the CLI's node only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const [cmd, argv] = timed ? [TIME, ['-v', process.execPath, ...nodeArgs, BIN, ...args]] : [process.execPath, [...nodeArgs, BIN, ...args]];
    const env = { ...process.env, CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: `sqlite://${dbFile}`, NO_COLOR: '1' };
    const callsBefore = await emu.adminCalls();
    const t0 = process.hrtime.bigint();
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(cmd, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
    if (process.env.BENCH_VERBOSE) process.stderr.write(stderr);
    if (code !== 0) throw new Error(`detect exited ${code}:\n${stderr.slice(-3000)}`);
    const result = JSON.parse(stdout) as { api: { lookups: number }; listing: { partitions: Array<{ pages: number }> }; orphans: unknown[]; missing: unknown[] };
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
    const perS = /distinct assets \([\d.]+ s, ([\d,]+)\/s\)/.exec(stderr);
    const longest = Math.max(...result.listing.partitions.map((p) => p.pages));
    return {
      n,
      wallS,
      calls: (await emu.adminCalls()) - callsBefore,
      minCalls: Math.ceil(n / PAGE) + result.api.lookups,
      lowerS: (longest * latency) / 1000,
      rssMb: rss ? Number(rss[1]) / 1024 : undefined,
      refsPerS: perS ? Number(perS[1]!.replace(/,/g, '')) : undefined,
      orphans: result.orphans.length,
      missing: result.missing.length,
      exit: code,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.stop();
    if (db.open) db.close();
  }
}

process.stdout.write(
  `asset-audit bench — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ` +
    `latency ${latency} ms/call, rate limit ${rateLimit}/h, windows ${windows}\n`,
);
process.stdout.write('N | wall s | API calls (min) | lower bound s | ratio | peak RSS MB | refs/s | orphans | missing\n');
for (const n of sizes) {
  const r = await benchOne(n);
  process.stdout.write(
    `${r.n.toLocaleString('en-US')} | ${r.wallS.toFixed(1)} | ${r.calls} (${r.minCalls}, +${(((r.calls - r.minCalls) / r.minCalls) * 100).toFixed(1)} %) | ${r.lowerS.toFixed(1)} | ${(r.wallS / r.lowerS).toFixed(2)} | ${r.rssMb?.toFixed(0) ?? 'n/a'} | ${r.refsPerS?.toLocaleString('en-US') ?? 'n/a'} | ${r.orphans} | ${r.missing}\n`,
  );
}
