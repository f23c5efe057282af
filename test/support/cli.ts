/** Runs the built CLI as a user would: a child process, its own environment, no TTY. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/asset-audit.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** Run as this user (a test running as root that needs an unreadable folder runs the CLI as nobody). */
  runAs?: { uid: number; gid: number };
  /** Called once the process has started, e.g. to send it a signal. */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(CLOUDINARY_URL|DATABASE_URL|PGSSLMODE|SMTP_URL|ADMINS|FORCE_COLOR|GITHUB_ACTIONS|GITHUB_STEP_SUMMARY)$/.test(k)) env[k] = v;
  }
  env.NO_COLOR = '1';
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], ...(options.runAs ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

/** A temporary working directory holding the given files. */
export function workspace(files: Record<string, string | object> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-'));
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

/** For `onSpawn`: send `signal` to the child once its stderr shows `text` (after `delayMs`). */
export function signalWhen(text: string, signal: NodeJS.Signals, delayMs = 0): NonNullable<CliOptions['onSpawn']> {
  return (child) => {
    let sent = false;
    child.stderr!.on('data', (d: Buffer) => {
      if (sent || !d.toString().includes(text)) return;
      sent = true;
      setTimeout(() => child.kill(signal), delayMs);
    });
  };
}
