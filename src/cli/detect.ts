/** `asset-audit detect`: parse flags, build config, run the scan, write reports, pick the exit code. */
import path from 'node:path';
import type { Command } from 'commander';
import type { DetectResult } from '../audit/result.js';
import { parseCloudinaryUrl } from '../config/cloudinary-url.js';
import { buildScope, parseCount, type ScopeFlags } from '../config/scope.js';
import { parseDatabaseUrl } from '../references/database.js';
import { renderCsv } from '../report/csv.js';
import { renderJson } from '../report/json.js';
import { summaryLines } from '../report/summary.js';
import { reportBaseName, writeAtomic } from '../report/write.js';
import { detect } from '../scan/detect.js';
import { StorageError } from '../storage/cloudinary/errors.js';
import { CloudinaryStorage } from '../storage/cloudinary/client.js';
import { RateLimitGuard } from '../storage/cloudinary/guard.js';
import { loadConfigOrThrow } from './config.js';
import { ExitCode, ExitError, usageError } from './exit.js';
import { createOutput } from './output.js';
import { interruptible } from './signals.js';
import { VERSION } from './version.js';

interface DetectFlags extends ScopeFlags {
  config?: string;
  output?: string;
  reportsDir?: string;
  json?: boolean;
  failOn: string;
  rateLimitWarn: string;
  rateLimitStop: string;
  quiet?: boolean;
  verbose?: boolean;
}

const FAIL_ON = ['any', 'orphans', 'missing', 'none'] as const;

export function registerDetect(program: Command): void {
  program
    .command('detect')
    .description('find orphaned files (in Cloudinary, used by no row) and records whose assets are missing')
    .option('-c, --config <file>', 'configuration file (default: asset-audit.config.json/.yaml/.yml in the working directory)')
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
    .option('--fail-on <what>', 'which findings make the exit code 1: any, orphans, missing, none', 'any')
    .option('--rate-limit-warn <percent>', 'warn when this share of the hourly Admin API limit is used', '80')
    .option('--rate-limit-stop <percent>', 'stop (exit 4, partial report) before using more than this share', '95')
    .option('-q, --quiet', 'only warnings, errors and the report path')
    .option('-v, --verbose', 'also print retries and other detail')
    .action(async (flags: DetectFlags) => {
      process.exitCode = await runDetect(flags);
    });
}

async function runDetect(flags: DetectFlags): Promise<number> {
  const output = createOutput({ quiet: flags.quiet, verbose: flags.verbose });
  const { log } = output;
  if (!FAIL_ON.includes(flags.failOn as (typeof FAIL_ON)[number])) throw usageError(`--fail-on: use one of ${FAIL_ON.join(', ')} (got "${flags.failOn}")`);
  const warnAt = parseCount('--rate-limit-warn', flags.rateLimitWarn) / 100;
  const stopAt = parseCount('--rate-limit-stop', flags.rateLimitStop) / 100;
  if (stopAt > 1 || warnAt > 1) throw usageError('--rate-limit-warn and --rate-limit-stop are percentages from 1 to 100');
  const scope = buildScope(flags, new Date());
  const credentials = parseCloudinaryUrl(process.env.CLOUDINARY_URL);
  const database = parseDatabaseUrl(process.env.DATABASE_URL);
  const { config, file } = loadConfigOrThrow(flags.config, log);
  log.info(`asset-audit ${VERSION} — cloud "${credentials.cloudName}", config ${path.relative(process.cwd(), file) || file}`);

  const guard = new RateLimitGuard({
    warnAt,
    stopAt,
    onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour (over ${Math.round(warnAt * 100)}%)`),
  });
  const storage = await CloudinaryStorage.create({ credentials, guard, onRetry: (m) => log.debug(m) });
  const reportsDir = path.resolve(flags.reportsDir ?? config.reportsDir);

  let result: DetectResult;
  try {
    result = await interruptible((signal) => detect({ config, scope, storage, database, log, signal, version: VERSION }));
  } catch (err) {
    throw asExitError(err);
  } finally {
    storage.close();
  }

  const base = reportBaseName(new Date(result.startedAt), result.complete);
  const csvPath = flags.output ? path.resolve(flags.output) : path.join(reportsDir, `${base}.csv`);
  const jsonPath = csvPath.replace(/(\.csv)?$/i, '.json');
  writeAtomic(csvPath, renderCsv(result));
  writeAtomic(jsonPath, renderJson(result, { csv: csvPath }));

  const shown = path.relative(process.cwd(), csvPath).startsWith('..') ? csvPath : path.relative(process.cwd(), csvPath);
  if (!flags.quiet) output.print(summaryLines(result, output.paint, shown));
  else output.print([`Report: ${shown}`]);
  if (flags.json) output.emit(renderJson(result, { csv: csvPath }));
  return exitCodeFor(result, flags.failOn as (typeof FAIL_ON)[number]);
}

export function exitCodeFor(result: DetectResult, failOn: (typeof FAIL_ON)[number]): number {
  if (!result.complete) return ExitCode.Incomplete;
  const orphans = result.orphans.length > 0;
  const missing = result.missing.length > 0;
  const fails = failOn === 'any' ? orphans || missing : failOn === 'orphans' ? orphans : failOn === 'missing' ? missing : false;
  return fails ? ExitCode.Findings : ExitCode.Ok;
}

function asExitError(err: unknown): unknown {
  if (!(err instanceof StorageError)) return err;
  const fix =
    err.kind === 'auth'
      ? 'Cloudinary rejected the credentials: check the API key, secret and cloud name in CLOUDINARY_URL.'
      : err.kind === 'network' || err.kind === 'timeout'
        ? 'Could not reach Cloudinary: check network access (and upload_prefix in CLOUDINARY_URL, if set).'
        : 'Cloudinary answered with an error.';
  return new ExitError(ExitCode.Runtime, `${fix} (${err.message})`, { cause: err });
}
