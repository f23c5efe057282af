/**
 * Where and how the CLI speaks. Colour and live progress are decided once: colour when stderr is a
 * TTY (or FORCE_COLOR) and NO_COLOR is unset; progress rewritten in place only on a TTY, otherwise
 * a timestamped line at most every PROGRESS_INTERVAL_MS, for logs read hours later. stdout carries
 * only the result (the --json document), exactly as the reports hold it. Everything on stderr is a
 * diagnostic: credentials are masked in each message before it is coloured, cut or JSON-encoded,
 * and control characters other than line breaks and colour are shown escaped.
 * With --log-format json every line on stderr is one JSON object ({time, level, msg}) for log
 * pipelines: no colour, no control codes, progress throttled as without a TTY.
 */
import { Chalk } from 'chalk';
import { diagnostic } from '../config/redact.js';
import { usageError } from './exit.js';
import type { Logger } from '../log.js';
import type { Paint } from '../report/summary.js';

export const PROGRESS_INTERVAL_MS = 15_000;
/** A live line redrawn faster than this only flickers. */
const TTY_REDRAW_MS = 100;

export const LOG_FORMATS = ['text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined) return 'text';
  if (!LOG_FORMATS.includes(value as LogFormat)) throw usageError(`--log-format: use text or json (got "${value}")`);
  return value as LogFormat;
}

export interface OutputOptions {
  quiet?: boolean;
  verbose?: boolean;
  logFormat?: LogFormat;
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
  /**
   * Extra state shown after the live progress line on a TTY (API budget, elapsed, ETA), read at
   * each redraw. Logs without a TTY get the plain message only, so lines stay comparable.
   */
  setStatus(status: (() => string | undefined) | undefined): void;
}

/** Any control character a line could be forged or a terminal driven with, except colour (SGR) codes. */
const UNSAFE = /\x1b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A diagnostic for the terminal: credentials masked, stray control characters escaped (\n and colour kept). */
export function terminalText(text: string): string {
  return diagnostic(text).replace(UNSAFE, (c) => (c.length > 1 ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

export function createOutput(options: OutputOptions = {}): Output {
  const env = options.env ?? process.env;
  const err = options.stderr ?? process.stderr;
  const out = options.stdout ?? process.stdout;
  const json = options.logFormat === 'json';
  const tty = Boolean(err.isTTY) && !env.CI && !json;
  const colour = !json && !('NO_COLOR' in env) && (env.FORCE_COLOR !== undefined ? env.FORCE_COLOR !== '0' : Boolean(err.isTTY));
  const chalk = new Chalk({ level: colour ? 1 : 0 });
  let live = false;
  let lastProgress = 0;
  let status: (() => string | undefined) | undefined;

  const write = (text: string) => err.write(text);
  const clearProgress = () => {
    if (live) write('\r\x1b[K');
    live = false;
  };
  const stamp = () => (tty ? '' : `[${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}] `);
  // masked before JSON encoding: a secret holding " or \ would otherwise pass in its escaped form
  const record = (level: string, msg: string) => write(JSON.stringify({ time: new Date().toISOString(), level, msg: diagnostic(msg) }) + '\n');
  /** `text` is masked and escaped already (and possibly coloured). */
  const line = (text: string) => {
    clearProgress();
    write(`${stamp()}${text}\n`);
  };

  const log: Logger = {
    info: (m) => !options.quiet && (json ? record('info', m) : line(terminalText(m))),
    warn: (m) => (json ? record('warn', m) : line(chalk.yellow(`warning: ${terminalText(m)}`))),
    error: (m) => (json ? record('error', m) : line(chalk.red(`error: ${terminalText(m)}`))),
    debug: (m) => options.verbose && (json ? record('debug', m) : line(chalk.dim(terminalText(m)))),
    progress: (m) => {
      if (options.quiet) return;
      const now = Date.now();
      if (tty) {
        if (now - lastProgress < TTY_REDRAW_MS) return;
        lastProgress = now;
        const extra = status?.();
        // one screen line: a wrapped live line cannot be erased with \r
        const width = err.columns && err.columns > 20 ? err.columns - 1 : 160;
        // masked before it is cut: half a secret is still a leak
        write(`\r\x1b[K${chalk.dim(terminalText(`${m}${extra ? ` · ${extra}` : ''}`).replace(/\n/g, ' ').slice(0, width))}`);
        live = true;
      } else if (now - lastProgress >= PROGRESS_INTERVAL_MS) {
        lastProgress = now;
        const extra = status?.();
        const text = extra ? `${m} · ${extra}` : m;
        if (json) record('progress', text);
        else line(terminalText(text));
      }
    },
  };

  return {
    log,
    paint: { bold: chalk.bold, red: chalk.red, yellow: chalk.yellow, green: chalk.green, dim: chalk.dim },
    print: (lines) => {
      if (json) {
        for (const l of lines) if (l.trim()) record('info', l);
        return;
      }
      clearProgress();
      write(lines.map(terminalText).join('\n') + '\n');
    },
    // data, exactly as in the JSON twin: never masked
    emit: (text) => out.write(text),
    clearProgress,
    setStatus: (fn) => {
      status = fn;
    },
  };
}
