/**
 * `asset-audit init`: samples the database for columns that hold Cloudinary references and writes
 * a commented config; on an existing config (or with --check) reports columns no source reads.
 * The sampling and the decisions live in src/init/run.ts; this file parses, opens, draws, exits.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { parseCount } from '../config/scope.js';
import { parseDatabaseUrl } from '../database/open.js';
import { qualifiedName } from '../init/catalog.js';
import { describeFinding, sourceSnippet } from '../init/render.js';
import { DEFAULT_CONFIG_FILE, runInit, type InitResult } from '../init/run.js';
import { SAMPLE_VALUES } from '../init/sample.js';
import { ExitCode, ExitError, usageError } from './exit.js';
import { createOutput, type Output } from './output.js';
import { asExitError } from './storage-errors.js';
import { VERSION } from './version.js';

interface InitFlags {
  storage?: string;
  config?: string;
  check?: boolean;
  force?: boolean;
  sample: string;
  timeout: string;
  quiet?: boolean;
  verbose?: boolean;
}

/** Per statement while sampling: long enough for a counting pass over a large table, short enough to finish. */
const DEFAULT_TIMEOUT_SECONDS = 60;
export function registerInit(program: Command): void {
  program
    .command('init')
    .description('find the columns that hold Cloudinary references and write asset-audit.config.json (or check an existing one)')
    .option('--storage <url>', 'the store whose ids to match (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('-c, --config <file>', `config file to write or check (default: the existing config, else ${DEFAULT_CONFIG_FILE})`)
    .option('--check', 'only check the existing config: exit 1 when a column holds references that no source reads')
    .option('--force', 'overwrite an existing config file')
    .option('--sample <n>', 'values sampled per column', String(SAMPLE_VALUES))
    .option('--timeout <seconds>', 'statement timeout while sampling', String(DEFAULT_TIMEOUT_SECONDS))
    .option('-q, --quiet', 'only warnings, errors and the result')
    .option('-v, --verbose', 'also print what each column held')
    .action(async (flags: InitFlags) => {
      process.exitCode = await init(flags);
    });
}

async function init(flags: InitFlags): Promise<number> {
  const output = createOutput({ quiet: flags.quiet, verbose: flags.verbose });
  const { log } = output;
  if (flags.check && flags.force) throw usageError('--check and --force exclude each other: --check only reads; drop one');
  const sampleSize = parseCount('--sample', flags.sample);
  const timeoutSeconds = parseCount('--timeout', flags.timeout);
  const database = parseDatabaseUrl(process.env.DATABASE_URL);
  let result: InitResult;
  try {
    result = await runInit({
      cwd: process.cwd(),
      configFile: flags.config,
      check: Boolean(flags.check),
      force: Boolean(flags.force),
      sampleSize,
      timeoutSeconds,
      database,
      storage: flags.storage,
      env: process.env,
      log,
      version: VERSION,
      onSampled: () => output.clearProgress(),
    });
  } catch (err) {
    throw asExitError(err);
  }
  return show(output, result);
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function show(output: Output, result: InitResult): number {
  switch (result.status) {
    case 'nothing_found':
      output.print([
        `No column holds Cloudinary references (sampled ${result.columns} column(s) in ${result.tables} table(s)); nothing written.`,
        'Check that DATABASE_URL points at the application database' + (result.cloud ? ' and CLOUDINARY_URL at its account.' : ', and set CLOUDINARY_URL to recognise bare public_ids.'),
      ]);
      return ExitCode.Findings;
    case 'invalid_draft':
      throw new ExitError(ExitCode.Runtime, `init produced an invalid config (a bug): ${result.errors.join('; ')}`);
    case 'written': {
      const lines = ['', `Found ${result.proposals.length} column(s) holding Cloudinary references:`];
      for (const p of result.proposals) lines.push(`  ${qualifiedName(p.finding.sample.column)} → source "${p.source.name}"${p.source.extract ? ` (extract: ${p.source.extract})` : ''}: ${describeFinding(p.finding)}`);
      lines.push('', `Wrote ${shown(result.file)}. Review it, then run \`asset-audit detect\`.`);
      output.print(lines);
      return ExitCode.Ok;
    }
    case 'checked':
      return showCoverage(output, result);
  }
}

function showCoverage(output: Output, result: InitResult & { status: 'checked' }): number {
  const lines = ['', `Checked ${shown(result.file)} against ${result.columns} column(s) in ${result.tables} table(s): ${result.holding} hold Cloudinary references.`];
  for (const c of result.covered) {
    lines.push(`  covered      ${qualifiedName(c.finding.sample.column)} (by ${c.by.map((b) => `"${b}"`).join(', ')})`);
  }
  result.uncovered.forEach((c, i) => {
    const label = c.status === 'uncovered' ? 'NOT COVERED' : c.status === 'partial' ? 'PARTLY' : c.status === 'misread' ? 'MISREAD' : 'UNVERIFIED';
    lines.push(output.paint.red(`  ${label.padEnd(12)} ${qualifiedName(c.finding.sample.column)}: ${describeFinding(c.finding)}`));
    if (c.detail) lines.push(`               ${c.detail}`);
    if (c.status === 'uncovered') lines.push(`               add: ${sourceSnippet(result.proposals[i]!.source)}`);
  });
  if (result.uncovered.length) {
    lines.push('', output.paint.red(`${result.uncovered.length} column(s) hold references that the config does not read in full: detect would call the assets they use orphans.`));
  } else {
    lines.push('', output.paint.green('Every column that holds references is read by the config.'));
  }
  output.print(lines);
  return result.uncovered.length ? ExitCode.Findings : ExitCode.Ok;
}
