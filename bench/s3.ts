/**
 * npm run bench -- --backend s3 [--sizes 100000 --latency 50 --layouts deep,flat]
 *
 * For each N and layout: N objects in the S3 emulator (its own thread, `latency` ms per request),
 * references to 90 % of them in Postgres (three stored forms) plus 1 % to objects that are gone,
 * then `asset-audit detect --all` spawned with STORAGE_URL=s3://… as a user would run it. Prints
 * wall time, S3 requests by operation (counted by the emulator), the floor on time (list pages ÷
 * LIST_LANES × latency), the CLI's peak RSS (GNU time, the child alone) and what it found.
 */
import { startEmulatorThread } from './emulator-thread.js';
import { timedCli } from './timed-cli.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LIST_LANES } from '../src/storage/s3/lister.js';
import { startBenchDatabase } from './pg.js';
import { s3BenchKeys, type S3Layout } from './s3-keys.js';
import type { S3WorkerData } from './s3-emulator-worker.js';

const INSERT_BATCH = 20_000;

async function startWorker(data: S3WorkerData) {
  const thread = await startEmulatorThread<{ endpoint: string; env: Record<string, string> }, Partial<Record<string, number>>>('./s3-emulator-worker.ts', data);
  return { ...thread.ready, calls: thread.calls, stop: thread.stop };
}

interface Row {
  n: number;
  layout: S3Layout;
  wallS: number;
  calls: Record<string, number>;
  floorS: number;
  rssMb?: number;
  orphans: number;
  missing: number;
}

async function benchOne(n: number, layout: S3Layout, latency: number): Promise<Row> {
  const emu = await startWorker({ n, layout, latencyMs: latency });
  const db = await startBenchDatabase();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'asset-audit-s3-bench-'));
  const prefix = layout === 'deep' ? 'media/' : '';
  try {
    await db.exec('CREATE TABLE refs (id int PRIMARY KEY, ref text NOT NULL)');
    let ids: number[] = [];
    let refs: string[] = [];
    const flush = async () => {
      if (!ids.length) return;
      await db.query('INSERT INTO refs SELECT * FROM unnest($1::int[], $2::text[])', [ids, refs]);
      ids = [];
      refs = [];
    };
    let i = 0;
    for (const key of s3BenchKeys(n, layout)) {
      const row = i++;
      // every 10th object is an orphan; every 100th row names an object that is gone
      if (row % 10 === 0) continue;
      const value = row % 100 === 1 ? `${key}.gone` : row % 3 === 0 ? key.slice(prefix.length) : row % 3 === 1 ? `${emu.endpoint}/bench/${key}` : `s3://bench/${key}`;
      ids.push(row);
      refs.push(value);
      if (ids.length === INSERT_BATCH) await flush();
    }
    await flush();
    writeFileSync(path.join(dir, 'asset-audit.config.json'), JSON.stringify({ references: [{ name: 'refs', table: 'refs', column: 'ref', id: 'id' }] }));
    const args = ['detect', '--all', '--json', '--fail-on', 'none'];
    const env = {
      ...process.env,
      ...emu.env,
      STORAGE_URL: `s3://bench/${prefix}?endpoint=${encodeURIComponent(emu.endpoint)}&forcePathStyle=true&region=us-east-1`,
      CLOUDINARY_URL: '',
      DATABASE_URL: db.url,
      NO_COLOR: '1',
    };
    const { code, stdout, stderr, wallS, rssMb } = await timedCli(args, { cwd: dir, env });
    if (code !== 0) throw new Error(`detect exited ${code}:\n${stderr.slice(-3000)}`);
    const result = JSON.parse(stdout) as { orphans: unknown[]; missing: unknown[] };
    const calls = (await emu.calls()) as Record<string, number>;
    return {
      n,
      layout,
      wallS,
      calls,
      floorS: (Math.ceil((calls.ListObjectsV2 ?? 0) / LIST_LANES) * latency) / 1000,
      rssMb,
      orphans: result.orphans.length,
      missing: result.missing.length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await emu.stop();
    await db.close();
  }
}

export async function runS3Bench(options: { sizes: number[]; latency: number; layouts: S3Layout[] }): Promise<void> {
  process.stdout.write(`asset-audit S3 bench — ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, latency ${options.latency} ms/request, ${LIST_LANES} list lanes\n`);
  process.stdout.write('N | layout | wall s | S3 requests | floor s | peak RSS MB | orphans | missing\n');
  for (const n of options.sizes) {
    for (const layout of options.layouts) {
      const r = await benchOne(n, layout, options.latency);
      const calls = Object.entries(r.calls).map(([op, c]) => `${op} ${c}`).join(', ');
      process.stdout.write(`${r.n.toLocaleString('en-US')} | ${r.layout} | ${r.wallS.toFixed(1)} | ${calls} | ${r.floorS.toFixed(1)} | ${r.rssMb?.toFixed(0) ?? 'n/a'} | ${r.orphans} | ${r.missing}\n`);
    }
  }
}
