/**
 * One spawned `asset-audit` run, timed as a user would see it: wall time from spawn to exit, and the
 * CLI's own peak RSS from GNU time (`/usr/bin/time -v`, the child alone — not the bench process,
 * which hosts the emulator). Every bench (run.ts, s3.ts, imagekit.ts, local.ts) runs the CLI here.
 * BENCH_BIN runs another build of the CLI; BENCH_NODE_ARGS passes flags to its node (e.g.
 * "--cpu-prof --cpu-prof-dir=DIR"); BENCH_VERBOSE=1 prints its stderr.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const BIN = process.env.BENCH_BIN ? path.resolve(process.env.BENCH_BIN) : path.resolve(import.meta.dirname, '../bin/asset-audit.js');
const TIME = '/usr/bin/time';

export interface TimedRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallS: number;
  /** Peak RSS of the CLI in MB; undefined without GNU time. */
  rssMb?: number;
}

export async function timedCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<TimedRun> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const [cmd, argv] = existsSync(TIME) ? [TIME, ['-v', process.execPath, ...nodeArgs, BIN, ...args]] : [process.execPath, [...nodeArgs, BIN, ...args]];
  const t0 = process.hrtime.bigint();
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  if (process.env.BENCH_VERBOSE) process.stderr.write(stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
  return { code, stdout, stderr, wallS, ...(rss ? { rssMb: Number(rss[1]) / 1024 } : {}) };
}
