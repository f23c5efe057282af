/** `asset-audit detect`: parse flags, build config, run the scan, write reports, pick the exit code. */
import path from 'node:path';
import type { Command } from 'commander';
import type { DetectResult } from '../audit/result.js';
import { buildScope, parseCount, type ScopeFlags } from '../config/scope.js';
import { parseDatabaseUrl } from '../database/open.js';
import { writeCsv } from '../report/csv.js';
import { emitPieces, jsonPieces, writeJson } from '../report/json.js';
import { summaryLines } from '../report/summary.js';
import { freshReportPath, reportBaseName, writeAtomicWith } from '../report/write.js';
import { writeHtml } from '../report/html.js';
import { githubAnnotations, githubSummary } from '../report/github.js';
import { appendDurably } from '../files/safe-write.js';
import type { Logger } from '../log.js';
import { detect } from '../scan/detect.js';
import { boundHeapGrowth } from '../scan/memory.js';
import { parseStorage } from '../storage/open.js';
import { loadConfigOrThrow } from './config.js';
import { ExitCode, usageError } from './exit.js';
import { asExitError } from './storage-errors.js';
import { configDigest } from '../config/digest.js';
import { createOutput, parseLogFormat } from './output.js';
import { interruptible } from './signals.js';
import { afterReport } from './after-report.js';
import { planNotifications, type NotifyFlags } from '../notify/plan.js';
import { VERSION } from './version.js';
import { addScaleOptions, afterScan, concurrencyOf, retireCheckpoint, scaleInput, type ScaleFlags } from './scale.js';

export interface DetectFlags extends ScopeFlags, NotifyFlags, ScaleFlags {
  config?: string;
  timeout: string;
  failOnIncrease?: string;
  logFormat?: string;
  output?: string;
  reportsDir?: string;
  json?: boolean;
  htmlSignedThumbnails?: boolean;
  format?: string;
  failOn: string;
  rateLimitWarn: string;
  rateLimitStop: string;
  quiet?: boolean;
  verbose?: boolean;
  storage?: string;
}

const FAIL_ON = ['any', 'orphans', 'missing', 'none'] as const;

export function registerDetect(program: Command): void {
  addScaleOptions(program.command('detect'))
    .description('find orphaned files (in Cloudinary, used by no row) and records whose assets are missing')
    .option('-c, --config <file>', 'configuration file (default: asset-audit.config.json/.yaml/.yml in the working directory)')
    .option('--storage <url>', 'the store to audit (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('--days <n>', 'orphan scan covers assets uploaded in the last N days (default 30)')
    .option('--all', 'scan every asset, whatever its age')
    .option('--prefix <prefix>', 'only public_ids under this prefix (folder)')
    .option('--resource-type <list>', 'image,video,raw (default: all three)')
    .option('--type <list>', 'delivery types upload,private,authenticated (default: all three)')
    .option('--orphans-only', 'skip the missing-assets check')
    .option('--missing-only', 'skip listing; only check that referenced assets exist')
    .option('-o, --output <file>', 'CSV report path (the JSON report is written next to it)')
    .option('--reports-dir <dir>', 'directory for reports (default from config, else ./reports)')
    .option('--json', 'print the whole result as one JSON document on stdout')
    .option('--format <format>', 'text, or github: a job summary appended to $GITHUB_STEP_SUMMARY and ::error annotations per missing ACTIVE record (default: github when GITHUB_ACTIONS=true)')
    .option('--html-signed-thumbnails', 'review page: show private/authenticated assets as signed thumbnail URLs (anyone with the page can view those thumbnails)')
    .option('--fail-on <what>', 'which findings make the exit code 1: any, orphans, missing, none', 'any')
    .option('--rate-limit-warn <percent>', 'warn when this share of the hourly Admin API limit is used', '80')
    .option('--rate-limit-stop <percent>', 'stop (exit 4, partial report) before using more than this share', '95')
    .option('-q, --quiet', 'only warnings, errors and the report path')
    .option('-v, --verbose', 'also print retries and other detail')
    .option('--timeout <seconds>', 'give up on one Admin API call after this long (it is then retried)', '60')
    .option('--log-format <format>', 'text (default) or json: one JSON object per stderr line, for log pipelines')
    .option('--fail-on-increase <n>', 'exit 1 when orphans or missing grew by more than N since the last complete run of this scope (see `asset-audit history`)')
    .option('--email-to <list>', 'email the summary to these addresses (comma-separated; default: config email.to, else ADMINS)')
    .option('--email-always', 'send the email even when there are no findings')
    .option('--no-email', 'never send the email')
    .option('--email-required', 'a failed email send makes the exit code 3 (the report is still written)')
    .option('--notify-url <url>', 'POST a JSON summary to this webhook (Slack incoming webhooks get Slack\'s format); default NOTIFY_URL or config notify.url')
    .option('--notify-format <format>', 'json or slack (default: slack for hooks.slack.com, else json)')
    .option('--notify-always', 'post the webhook even when there are no findings')
    .action(async (flags: DetectFlags) => {
      process.exitCode = await runDetect(flags);
    });
}

export interface DetectOptions {
  /** false keeps a run (the demo) out of the reports directory's history. */
  history?: boolean;
  /** Where STORAGE_URL/CLOUDINARY_URL, DATABASE_URL, the GitHub and the notification settings come from (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export async function runDetect(flags: DetectFlags, options: DetectOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  boundHeapGrowth(); // peak RSS at a million assets: see src/scan/memory.ts
  const output = createOutput({ quiet: flags.quiet, verbose: flags.verbose, logFormat: parseLogFormat(flags.logFormat) });
  const { log } = output;
  if (!FAIL_ON.includes(flags.failOn as (typeof FAIL_ON)[number])) throw usageError(`--fail-on: use one of ${FAIL_ON.join(', ')} (got "${flags.failOn}")`);
  const warnAt = parseCount('--rate-limit-warn', flags.rateLimitWarn) / 100;
  const stopAt = parseCount('--rate-limit-stop', flags.rateLimitStop) / 100;
  if (stopAt > 1 || warnAt > 1) throw usageError('--rate-limit-warn and --rate-limit-stop are percentages from 1 to 100');
  if (flags.format !== undefined && flags.format !== 'text' && flags.format !== 'github') throw usageError(`--format: use text or github (got "${flags.format}")`);
  if (flags.format === 'github' && flags.json) throw usageError('--format github prints workflow commands on stdout, --json prints the result there: use one of them');
  // on GitHub Actions by default, unless stdout carries --json
  const github = flags.format === 'github' || (flags.format === undefined && env.GITHUB_ACTIONS === 'true' && !flags.json);
  const failOnIncrease = flags.failOnIncrease !== undefined ? parseCount('--fail-on-increase', flags.failOnIncrease, { min: 0 }) : undefined;
  const { config, file } = loadConfigOrThrow(flags.config, log);
  const target = parseStorage(config, env, { storage: flags.storage, configDir: path.dirname(file) });
  const scope = buildScope(flags, new Date(), target.partitions, target.name);
  const database = parseDatabaseUrl(env.DATABASE_URL, env);
  const notify = planNotifications(flags, config, env);
  log.info(`asset-audit ${VERSION} — ${target.label}, config ${path.relative(process.cwd(), file) || file}`);

  const deadlineMs = parseCount('--timeout', flags.timeout) * 1000;
  const storage = await target.open({
    warnAt,
    stopAt,
    onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour (over ${Math.round(warnAt * 100)}%)`),
    onNotice: (m) => log.warn(m),
    deadlineMs,
    onRetry: (m) => log.debug(m),
    concurrency: concurrencyOf(flags),
    onConcurrency: (limit, why) => log.debug(`Admin API calls in flight: now ${limit} (${why})`),
  });
  const reportsDir = path.resolve(flags.reportsDir ?? config.reportsDir);
  const startedMs = Date.now();
  let estimatedCalls: number | undefined;
  output.setStatus(() => {
    const b = storage.budget;
    const elapsed = (Date.now() - startedMs) / 1000;
    return `${storage.calls} API call(s)${b ? `, budget ${b.remaining}/${b.limit}` : ''}, ${Math.round(elapsed)} s${etaText(storage.calls, estimatedCalls, elapsed)}`;
  });

  let result: DetectResult;
  try {
    const scale = scaleInput(flags, scope, storage.account, config, reportsDir, stopAt);
    result = await interruptible(async (signal) => {
      // detect closes the reader once the references are read
      const reader = await database.open({ statementTimeoutSeconds: config.database.statementTimeoutSeconds });
      return detect({ config, scope, storage, reader, log, signal, version: VERSION, ...scale, onPlan: (plan) => (estimatedCalls = plan.total) });
    });
  } catch (err) {
    throw asExitError(err);
  } finally {
    storage.close();
  }

  result.configDigest = configDigest(config);
  const early = afterScan(result, flags, (lines) => output.print(lines), log);
  if (early !== undefined) return early;
  const base = reportBaseName(new Date(result.startedAt), result.complete);
  const csvPath = flags.output ? path.resolve(flags.output) : freshReportPath(reportsDir, base);
  const jsonPath = csvPath.replace(/(\.csv)?$/i, '.json');
  // written in pieces: a million-asset report never exists as one string
  writeAtomicWith(csvPath, (write) => writeCsv(result, write));
  writeAtomicWith(jsonPath, (write) => writeJson(result, { csv: csvPath }, write));
  const signer = flags.htmlSignedThumbnails && storage.deliveryUrl ? storage.deliveryUrl.bind(storage) : undefined;
  writeAtomicWith(csvPath.replace(/(\.csv)?$/i, '.html'), (write) => writeHtml(result, { reportName: path.basename(csvPath).replace(/\.csv$/i, ''), signer }, write));
  retireCheckpoint(result, flags, log);

  const shown = path.relative(process.cwd(), csvPath).startsWith('..') ? csvPath : path.relative(process.cwd(), csvPath);
  if (!flags.quiet) output.print(summaryLines(result, output.paint, shown));
  else output.print([`Report: ${shown}`]);
  if (github) reportToGithub(result, path.basename(csvPath), env.GITHUB_STEP_SUMMARY, log, (text) => output.emit(text));
  if (flags.json) await emitPieces(jsonPieces(result, { csv: csvPath }), (text) => output.emit(text), process.stdout);
  return afterReport({
    result,
    csvPath,
    shownPath: shown,
    reportsDir,
    plan: notify,
    exitCode: exitCodeFor(result, flags.failOn as (typeof FAIL_ON)[number]),
    failOnIncrease,
    history: options.history,
    log,
  });
}

/** The job summary (when the runner gives a file for it) and the annotations, on stdout where the runner reads them. */
function reportToGithub(result: DetectResult, reportName: string, file: string | undefined, log: Logger, emit: (text: string) => void): void {
  if (file) {
    try {
      appendDurably(file, githubSummary(result, reportName) + '\n');
    } catch (err) {
      log.warn(`could not append the job summary to $GITHUB_STEP_SUMMARY: ${(err as Error).message}`);
    }
  } else {
    log.info('--format github: GITHUB_STEP_SUMMARY is not set, so no job summary was written (annotations only)');
  }
  for (const line of githubAnnotations(result)) emit(line + '\n');
}

/** "about N s left", from the calls made so far against the plan's estimate; nothing until it means something. */
export function etaText(calls: number, estimated: number | undefined, elapsedS: number): string {
  if (!estimated || calls < 3 || calls >= estimated) return '';
  const left = Math.round((elapsedS / calls) * (estimated - calls));
  return `, about ${left < 90 ? `${left} s` : `${Math.round(left / 60)} min`} left`;
}

export function exitCodeFor(result: DetectResult, failOn: (typeof FAIL_ON)[number]): number {
  if (!result.complete) return ExitCode.Incomplete;
  const orphans = result.orphans.length > 0;
  const missing = result.missing.length > 0;
  const fails = failOn === 'any' ? orphans || missing : failOn === 'orphans' ? orphans : failOn === 'missing' ? missing : false;
  return fails ? ExitCode.Findings : ExitCode.Ok;
}
