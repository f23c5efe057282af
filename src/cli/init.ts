/**
 * `asset-audit init`: samples the database for columns that hold Cloudinary references and writes
 * a commented config; on an existing config (or with --check) reports columns no source reads.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { findConfig, loadConfig, parseConfigText } from '../config/load.js';
import type { FileConfig } from '../config/schema.js';
import { parseCount } from '../config/scope.js';
import { emptyAssetSample, sampleAssets, type AssetSample } from '../init/assets.js';
import { qualifiedName } from '../init/catalog.js';
import { checkCoverage, type Coverage } from '../init/coverage.js';
import { discover, type Discovery } from '../init/discover.js';
import { describeFinding, proposeSources, renderConfig, sourceSnippet } from '../init/render.js';
import { SAMPLE_VALUES } from '../init/sample.js';
import { parseDatabaseUrl } from '../database/open.js';
import { sourceSql } from '../database/sql.js';
import type { ReferenceReader } from '../database/types.js';
import { writeAtomic } from '../report/write.js';
import { parseStorage, storageChosen } from '../storage/open.js';
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

const DEFAULT_FILE = 'asset-audit.config.json';
/** Per statement while sampling: long enough for a counting pass over a large table, short enough to finish. */
const DEFAULT_TIMEOUT_SECONDS = 60;
/** init samples; it never needs the whole hourly Admin API budget. */
const GUARD = { warnAt: 0.5, stopAt: 0.8 };

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('find the columns that hold Cloudinary references and write asset-audit.config.json (or check an existing one)')
    .option('--storage <url>', 'the store whose ids to match (default: STORAGE_URL, else config storage.url, else CLOUDINARY_URL)')
    .option('-c, --config <file>', `config file to write or check (default: the existing config, else ${DEFAULT_FILE})`)
    .option('--check', 'only check the existing config: exit 1 when a column holds references that no source reads')
    .option('--force', 'overwrite an existing config file')
    .option('--sample <n>', 'values sampled per column', String(SAMPLE_VALUES))
    .option('--timeout <seconds>', 'statement timeout while sampling', String(DEFAULT_TIMEOUT_SECONDS))
    .option('-q, --quiet', 'only warnings, errors and the result')
    .option('-v, --verbose', 'also print what each column held')
    .action(async (flags: InitFlags) => {
      process.exitCode = await runInit(flags);
    });
}

async function runInit(flags: InitFlags): Promise<number> {
  const output = createOutput({ quiet: flags.quiet, verbose: flags.verbose });
  const { log } = output;
  if (flags.check && flags.force) throw usageError('--check and --force exclude each other: --check only reads; drop one');
  const sampleSize = parseCount('--sample', flags.sample);
  const timeoutSeconds = parseCount('--timeout', flags.timeout);
  const database = parseDatabaseUrl(process.env.DATABASE_URL);

  const cwd = process.cwd();
  const existingFile = findConfig(cwd, flags.config);
  const exists = existingFile !== undefined && existsSync(existingFile);
  const target = existingFile ?? path.resolve(cwd, DEFAULT_FILE);
  let existing: FileConfig | undefined;
  if (exists) {
    const loaded = loadConfig(cwd, flags.config);
    if (loaded.config) existing = loaded.config;
    else if (!flags.force) {
      throw usageError(`${loaded.errors.join('\n  ')}\nFix the config file, or rewrite it with \`asset-audit init --force\`.`);
    }
  } else if (flags.check) {
    throw usageError(`--check needs a config file, and ${flags.config ? target : `none was found in ${cwd}`}. Run \`asset-audit init\` to write one.`);
  }
  const checking = Boolean(flags.check) || (exists && !flags.force);

  const hosts = existing?.cloudinary.hosts ?? [];
  const storageConfig = { storage: existing?.storage, cloudinary: { hosts } };
  const store = storageChosen(storageConfig, process.env, { storage: flags.storage }) ? parseStorage(storageConfig, process.env, { storage: flags.storage }) : undefined;
  const credentials = store ? { cloudName: store.account } : undefined;
  let assets: AssetSample = emptyAssetSample();
  if (store) {
    log.info(`asset-audit ${VERSION} init — ${store.label}, database ${database.label}`);
    const storage = await store.open({ ...GUARD, onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour`), onRetry: (m) => log.debug(m) });
    try {
      assets = await sampleAssets(storage);
    } catch (err) {
      throw asExitError(err);
    } finally {
      storage.close();
    }
    if (assets.stoppedBy) log.warn(`the asset sample is partial: ${assets.stoppedBy}`);
    log.info(`Sampled ${assets.ids.size.toLocaleString('en-US')} asset(s) from the account (newest first) to recognise public_id columns`);
  } else {
    log.info(`asset-audit ${VERSION} init — database ${database.label}`);
    log.warn('CLOUDINARY_URL is not set: only URLs and image/upload/… values are recognised, and URLs of any cloud count. Columns of bare public_ids are not found; set CLOUDINARY_URL to match them against the account.');
  }
  const parse = { cloudName: credentials?.cloudName ?? '', hosts };

  const reader = await database.open({ statementTimeoutSeconds: timeoutSeconds });
  try {
    // a source of several statements is refused before anything runs, as detect refuses it
    if (checking) for (const source of existing!.references) sourceSql(source, reader.sql);
    let found: Discovery;
    try {
      found = await discover(reader, { parse, assets, anyCloud: !credentials, sampleSize, log });
    } catch (err) {
      throw reader.error(err);
    }
    output.clearProgress();
    for (const p of found.problems) log.warn(`not fully sampled: ${p}`);
    if (!credentials && found.clouds.size > 0) {
      log.info(`Cloud names seen in URLs: ${[...found.clouds].map(([c, k]) => `${c} (${k})`).join(', ')}`);
    }
    if (checking) return await reportCoverage(output, reader, existing!, found, parse, Boolean(credentials), target);
    return writeConfig(output, found, { target, existing, database: database.label, cloud: credentials?.cloudName, sampleSize, quote: reader.sql.quote });
  } finally {
    await reader.close();
  }
}

function shown(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function writeConfig(
  output: Output,
  found: Discovery,
  o: { target: string; existing?: FileConfig; database: string; cloud?: string; sampleSize: number; quote: (identifier: string) => string },
): number {
  const notes = [
    ...found.foreignOnly.map((f) => `left out ${qualifiedName(f.sample.column)}: ${f.foreignValues} sampled value(s) hold only other clouds' or fetch URLs`),
    ...found.problems.map((p) => `not fully sampled: ${p}`),
  ];
  if (found.holding.length === 0) {
    output.print([
      `No column holds Cloudinary references (sampled ${found.columns.length} column(s) in ${found.tables} table(s)); nothing written.`,
      'Check that DATABASE_URL points at the application database' + (o.cloud ? ' and CLOUDINARY_URL at its account.' : ', and set CLOUDINARY_URL to recognise bare public_ids.'),
    ]);
    return ExitCode.Findings;
  }
  const proposals = proposeSources(found.holding, [], o.quote);
  let text = renderConfig({
    proposals,
    version: VERSION,
    at: new Date(),
    database: o.database,
    cloud: o.cloud,
    sampleSize: o.sampleSize,
    columnsSampled: found.columns.length,
    tables: found.tables,
    notes,
  });
  // settings of a config being replaced with --force are kept; only the sources are rewritten
  if (o.existing) text = keepSettings(text, o.existing);
  // JSON is YAML too; only the comment marker differs
  if (/\.ya?ml$/i.test(o.target)) text = text.replace(/^(\s*)\/\/ ?/gm, '$1# ');
  const check = parseConfigText(text, o.target);
  if (check.errors.length) throw new ExitError(ExitCode.Runtime, `init produced an invalid config (a bug): ${check.errors.join('; ')}`);
  writeAtomic(o.target, text);
  const lines = ['', `Found ${proposals.length} column(s) holding Cloudinary references:`];
  for (const p of proposals) lines.push(`  ${qualifiedName(p.finding.sample.column)} → source "${p.source.name}"${p.source.extract ? ` (extract: ${p.source.extract})` : ''}: ${describeFinding(p.finding)}`);
  lines.push('', `Wrote ${shown(o.target)}. Review it, then run \`asset-audit detect\`.`);
  output.print(lines);
  return ExitCode.Ok;
}

function keepSettings(text: string, existing: FileConfig): string {
  let out = text.replace('"ignore": []', `"ignore": ${JSON.stringify(existing.ignore)}`).replace('"reportsDir": "reports"', `"reportsDir": ${JSON.stringify(existing.reportsDir)}`);
  const extra: string[] = [];
  if (existing.cloudinary.hosts.length) extra.push(`  "cloudinary": ${JSON.stringify(existing.cloudinary)}`);
  if (existing.database.statementTimeoutSeconds !== 300) extra.push(`  "database": ${JSON.stringify(existing.database)}`);
  if (existing.email) extra.push(`  "email": ${JSON.stringify(existing.email)}`);
  if (existing.notify) extra.push(`  "notify": ${JSON.stringify(existing.notify)}`);
  if (extra.length) out = out.replace(/\n}\n$/, `,\n${extra.join(',\n')}\n}\n`);
  return out;
}

async function reportCoverage(
  output: Output,
  reader: ReferenceReader,
  config: FileConfig,
  found: Discovery,
  parse: { cloudName: string; hosts: string[] },
  checkExtract: boolean,
  file: string,
): Promise<number> {
  let result: { coverage: Coverage[]; problems: string[] };
  try {
    result = await checkCoverage(reader, config, found.holding, { parse, checkExtract });
  } catch (err) {
    throw reader.error(err);
  }
  for (const p of result.problems) output.log.warn(p);
  const bad = result.coverage.filter((c) => c.status !== 'covered');
  const lines = ['', `Checked ${shown(file)} against ${found.columns.length} column(s) in ${found.tables} table(s): ${found.holding.length} hold Cloudinary references.`];
  for (const c of result.coverage.filter((x) => x.status === 'covered')) {
    lines.push(`  covered      ${qualifiedName(c.finding.sample.column)} (by ${c.by.map((b) => `"${b}"`).join(', ')})`);
  }
  const taken = config.references.map((s) => s.name);
  const proposals = proposeSources(bad.map((c) => c.finding), taken, reader.sql.quote);
  bad.forEach((c, i) => {
    const label = c.status === 'uncovered' ? 'NOT COVERED' : c.status === 'partial' ? 'PARTLY' : c.status === 'misread' ? 'MISREAD' : 'UNVERIFIED';
    lines.push(output.paint.red(`  ${label.padEnd(12)} ${qualifiedName(c.finding.sample.column)}: ${describeFinding(c.finding)}`));
    if (c.detail) lines.push(`               ${c.detail}`);
    if (c.status === 'uncovered') lines.push(`               add: ${sourceSnippet(proposals[i]!.source)}`);
  });
  if (bad.length) {
    lines.push('', output.paint.red(`${bad.length} column(s) hold references that the config does not read in full: detect would call the assets they use orphans.`));
  } else {
    lines.push('', output.paint.green('Every column that holds references is read by the config.'));
  }
  output.print(lines);
  return bad.length ? ExitCode.Findings : ExitCode.Ok;
}
