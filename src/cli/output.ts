/**
 * Where and how the CLI speaks. Colour and live progress are decided once: colour when stderr is a
 * TTY (or FORCE_COLOR) and NO_COLOR is unset; progress rewritten in place only on a TTY, otherwise
 * a timestamped line at most every PROGRESS_INTERVAL_MS, for logs read hours later. stdout carries
 * only the result (the --json document); everything else goes to stderr. All of it is redacted.
 */
import { Chalk } from 'chalk';
import { redact } from '../config/redact.js';
import type { Logger } from '../log.js';
import type { Paint } from '../report/summary.js';

export const PROGRESS_INTERVAL_MS = 15_000;

export interface OutputOptions {
  quiet?: boolean;
  verbose?: boolean;
  env?: NodeJS.ProcessEnv;
  stderr?: NodeJS.WriteStream;
  stdout?: NodeJS.WriteStream;
}

export interface Output {
  log: Logger;
  paint: Paint;
  /** Lines for people (summary), on stderr, without timestamps. */
  print(lines: string[]): void;
  /** The machine-readable result, on stdout. */
  emit(text: string): void;
  /** Ends a live progress line so the next output starts clean. */
  clearProgress(): void;
}

export function createOutput(options: OutputOptions = {}): Output {
  const env = options.env ?? process.env;
  const err = options.stderr ?? process.stderr;
  const out = options.stdout ?? process.stdout;
  const tty = Boolean(err.isTTY) && !env.CI;
  const colour = !('NO_COLOR' in env) && (env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== '0' : Boolean(err.isTTY));
  const chalk = new Chalk({ level: colour ? 1 : 0 });
  let live = false;
  let lastProgress = 0;

  const write = (text: string) => err.write(redact(text));
  const clearProgress = () => {
    if (live) write('\r\x1b[K');
    live = false;
  };
  const stamp = () => (tty ? '' : `[${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}] `);
  const line = (text: string) => {
    clearProgress();
    write(`${stamp()}${text}\n`);
  };

  const log: Logger = {
    info: (m) => !options.quiet && line(m),
    warn: (m) => line(chalk.yellow(`warning: ${m}`)),
    error: (m) => line(chalk.red(`error: ${m}`)),
    debug: (m) => options.verbose && line(chalk.dim(m)),
    progress: (m) => {
      if (options.quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastProgress < 100) return;
        lastProgress = now;
        write(`\r\x1b[K${chalk.dim(m)}`);
        live = true;
      } else if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = now;
        line(m);
      }
    },
  };

  return {
    log,
    paint: { bold: chalk.bold, red: chalk.red, yellow: chalk.yellow, green: chalk.green, dim: chalk.dim },
    print: (lines) => {
      clearProgress();
      write(lines.join('\n') + '\n');
    },
    emit: (text) => out.write(redact(text)),
    clearProgress,
  };
}
