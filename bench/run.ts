/**
 * npm run bench [-- --sizes 10000,100000,1000000 --latency 150 --concurrency 16 --sequential-max 100000]
 * npm run bench -- --memory     (adds the long 5M-assets-with-3M-orphans run: peak RSS)
 * npm run bench -- --sizes 1000000 --orphan-share 0.6   (no reference to 60 % of the assets)
 * One bench per store instead of Cloudinary's: `--backend imagekit` (bench/imagekit.ts), `--backend s3`
 * (bench/s3.ts; 100k objects at 50 ms unless --sizes/--latency say otherwise), `--local 1000000`
 * (the media folder, bench/local.ts).
 *
 * For each N: N generated assets in the emulator (per-call latency, rate limit), references in an
 * SQLite file (by default 90 % of the assets, in three stored forms, plus one reference in ten to
 * an asset that does not exist), then `asset-audit detect --all` spawned as a user would run it,
 * with the default flags. Prints wall time; Admin API calls (counted by the emulator) against the
 * minimum (every asset listed once: ceil(N / 500), no lookup needed after a whole listing); the
 * parallel lower bound at the concurrency used, ceil(calls / concurrency) × latency, and the
 * ratio to it; the CLI's peak RSS (GNU time, on the child alone, not this process which hosts the
 * emulator); and the sequential baseline at the same latency: the same CLI with
 * `--concurrency 1 --windows 1` (one call in flight, chains one after another), measured up to
 * --sequential-max assets and beyond it estimated as its calls × latency (marked "est.").
 * The emulator runs on its own thread (emulator-worker.ts) so it does not share the CLI's loop.
 * BENCH_NODE_ARGS passes flags to the CLI's node (e.g. "--cpu-prof --cpu-prof-dir=DIR");
 * BENCH_ARGS extra CLI flags; BENCH_BIN runs another build of the CLI; BENCH_VERBOSE=1 prints its stderr.
 */
import { startEmulatorThread } from './emulator-thread.js';
import { timedCli } from './timed-cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { generateAssets } from '../src/emulator/index.js';
import { DEFAULT_CONCURRENCY } from '../src/storage/limiter.js';
import type { EmulatorWorkerData } from './emulator-worker.js';

/** Rows per transaction: large enough to load a million rows in seconds. */
const INSERT_BATCH = 20_000;
const PAGE = 500;

if (process.argv.includes('--backend') && process.argv[process.argv.indexOf('--backend') + 1] === 'imagekit') {
  await import('./imagekit.js');
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cloudinary' },
    sizes: { type: 'string', default: process.env.BENCH_SIZES ?? '10000,100000,1000000' },
    latency: { type: 'string', default: '150' },
    'rate-limit': { type: 'string', default: '1000000' },
    windows: { type: 'string' },
    concurrency: { type: 'string' },
    'sequential-max': { type: 'string', default: '100000' },
    memory: { type: 'boolean', default: false },
    'orphan-share': { type: 'string', default: '0.1' },
    // the media-folder bench instead (bench/local.ts): N files walked and judged
    local: { type: 'string' },
    layouts: { type: 'string', default: 'deep,flat' },
  },
});
if (values.local !== undefined) {
  const { benchLocal } = await import('./local.js');
  await benchLocal(Number(values.local));
  process.exit(0);
}
if (values.backend === 's3') {
  const { runS3Bench } = await import('./s3.js');
  const given = (flag: string) => process.argv.includes(flag);
  const s3Sizes = process.env.BENCH_SIZES ?? (given('--sizes') ? values.sizes : '100000');
  await runS3Bench({ sizes: s3Sizes.split(',').map(Number), latency: given('--latency') ? Number(values.latency) : 50, layouts: values.layouts.split(',') as Array<'deep' | 'flat'> });
  process.exit(0);
}
const latency = Number(values.latency);
const rateLimit = Number(values['rate-limit']);
const concurrency = Number(values.concurrency ?? DEFAULT_CONCURRENCY);
const sequentialMax = Number(values['sequential-max']);

/** One run: N assets, and the share of them no reference names (orphans). */
interface Case {
  n: number;
  orphanShare: number;
  /** Run the sequential baseline too (else estimated). */
  sequential: boolean;
}
const sizes = values.sizes.split(',').filter((v) => v.trim()).map((v) => Number(v.trim()));
const cases: Case[] = sizes.map((n) => ({ n, orphanShare: Number(values['orphan-share']), sequential: n <= sequentialMax }));
if (values.memory) cases.push({ n: 5_000_000, orphanShare: 0.6, sequential: false });

interface Run {
  wallS: number;
  calls: number;
  rssMb?: number;
  refsPerS?: number;
  orphans: number;
  missing: number;
}

/** The emulator on its own thread (see emulator-worker.ts), holding generateAssets(n). */
async function startEmulator(n: number) {
  const data: EmulatorWorkerData = { n, latencyMs: latency, rateLimit, cloudName: 'bench-cloud' };
  const thread = await startEmulatorThread<{ url: string }, number>('./emulator-worker.ts', data);
  return { cloudinaryUrl: thread.ready.url, adminCalls: thread.calls, stop: thread.stop };
}

async function benchOne(c: Case): Promise<{ parallel: Run; sequential?: Run }> {
  const { n } = c;
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
    const orphanTenths = Math.round(c.orphanShare * 10);
    // the same deterministic assets the emulator thread holds
    for (const a of generateAssets(n)) {
      const slot = i % 10;
      // orphans are the first tenths of every ten; the first of them has a reference to a gone asset instead
      const value =
        slot < orphanTenths
          ? slot === 0
            ? `gone/asset-${i}`
            : undefined
          : a.resource_type === 'raw'
            ? `https://res.cloudinary.com/bench-cloud/raw/upload/v1/${a.public_id}`
            : i % 2
              ? a.public_id
              : `${a.resource_type}/upload/v1/${a.public_id}.${a.format}`;
      if (value !== undefined) rows.push([i, value]);
      i++;
      if (rows.length === INSERT_BATCH) insertMany(rows.splice(0));
    }
    insertMany(rows);
    rows = [];
    db.close();
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify({ references: [{ name: 'refs', table: 'refs', column: 'ref', id: 'id' }] }));
    const env = { ...process.env, CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: `sqlite://${dbFile}`, NO_COLOR: '1' };
    const flags = [...(values.windows ? ['--windows', values.windows] : []), ...(values.concurrency ? ['--concurrency', values.concurrency] : [])];
    const parallel = await runCli(dir, env, emu, flags);
    const sequential = c.sequential ? await runCli(dir, env, emu, ['--concurrency', '1', '--windows', '1']) : undefined;
    return { parallel, sequential };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.stop();
    if (db.open) db.close();
  }
}

async function runCli(dir: string, env: NodeJS.ProcessEnv, emu: Awaited<ReturnType<typeof startEmulator>>, flags: string[]): Promise<Run> {
  // the summary, not --json: at millions of orphans the JSON result on stdout would be the bench's memory, not the CLI's
  const args = ['detect', '--all', '--fail-on', 'none', '--reports-dir', path.join(dir, 'reports'), ...flags, ...(process.env.BENCH_ARGS ?? '').split(/\s+/).filter(Boolean)];
  const callsBefore = await emu.adminCalls();
  const { code, stdout, stderr, wallS, rssMb } = await timedCli(args, { cwd: dir, env });
  if (code !== 0) throw new Error(`detect exited ${code}:\n${stderr.slice(-3000)}`);
  const text = stdout + stderr;
  const count = (re: RegExp) => Number((re.exec(text)?.[1] ?? 'NaN').replace(/,/g, ''));
  const perS = /distinct assets \([\d.]+ s, ([\d,]+)\/s\)/.exec(text);
  return {
    wallS,
    calls: (await emu.adminCalls()) - callsBefore,
    rssMb,
    refsPerS: perS ? Number(perS[1]!.replace(/,/g, '')) : undefined,
    orphans: count(/Orphaned: ([\d,]+)/),
    missing: count(/Missing assets: ([\d,]+)/),
  };
}

process.stdout.write(
  `asset-audit bench — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ` +
    `latency ${latency} ms/call, rate limit ${rateLimit}/h, concurrency ${concurrency}${values.windows ? `, --windows ${values.windows}` : ''}\n`,
);
process.stdout.write('N (orphans) | wall s | API calls (min, ratio) | parallel bound s (ratio) | peak RSS MB | sequential s (calls) | speed-up | refs/s | missing\n');
for (const c of cases) {
  const { parallel: r, sequential: q } = await benchOne(c);
  const min = Math.ceil(c.n / PAGE);
  const bound = (Math.ceil(r.calls / concurrency) * latency) / 1000;
  const seqS = q ? q.wallS : (r.calls * latency) / 1000;
  const seq = q ? `${q.wallS.toFixed(1)} (${q.calls})` : `est. ${seqS.toFixed(0)} (calls × latency)`;
  process.stdout.write(
    `${c.n.toLocaleString('en-US')} (${r.orphans.toLocaleString('en-US')}) | ${r.wallS.toFixed(1)} | ${r.calls} (${min}, ${(r.calls / min).toFixed(3)}×) | ${bound.toFixed(1)} (${(r.wallS / bound).toFixed(2)}×) | ${r.rssMb?.toFixed(0) ?? 'n/a'} | ${seq} | ${(seqS / r.wallS).toFixed(1)}× | ${r.refsPerS?.toLocaleString('en-US') ?? 'n/a'} | ${r.missing.toLocaleString('en-US')}\n`,
  );
}
