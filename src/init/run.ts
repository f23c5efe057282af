/**
 * The init core: samples the account (when there is one) and the database, then either drafts a
 * config from the columns that hold references (written only if it validates) or, for an existing
 * config, says which of those columns no source reads in full. It returns what it found as data;
 * the caller draws it and picks the exit code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findConfig, loadConfig, parseConfigText } from '../config/load.js';
import type { FileConfig } from '../config/schema.js';
import { sourceSql } from '../database/sql.js';
import type { DatabaseTarget, ReferenceReader } from '../database/types.js';
import { usageError } from '../errors.js';
import type { Logger } from '../log.js';
import { writeAtomic } from '../report/write.js';
import type { ReferenceGrammar } from '../storage/backend.js';
import { parseStorage, storageChosen } from '../storage/open.js';
import { emptyAssetSample, sampleAssets, type AssetSample } from './assets.js';
import { qualifiedName } from './catalog.js';
import type { Reading } from './classify.js';
import { checkCoverage, type Coverage } from './coverage.js';
import { discover, type Discovery } from './discover.js';
import { proposeSources, renderConfig, type Proposal } from './render.js';

export const DEFAULT_CONFIG_FILE = 'asset-audit.config.json';
/** init samples; it never needs the whole hourly Admin API budget. */
const GUARD = { warnAt: 0.5, stopAt: 0.8 };

export interface InitInput {
  cwd: string;
  /** --config: the file to write or check. */
  configFile?: string;
  /** Only check the existing config. */
  check: boolean;
  /** Overwrite an existing config. */
  force: boolean;
  sampleSize: number;
  timeoutSeconds: number;
  database: DatabaseTarget;
  /** --storage, when given. The store (else STORAGE_URL, config storage.url, CLOUDINARY_URL) is sampled to recognise bare public_ids; without one only URLs and image/upload/… values count. */
  storage?: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  version: string;
  now?: () => Date;
  /** Told when sampling is over (the CLI clears its progress line). */
  onSampled?: () => void;
}

export type InitResult =
  /** No column holds references; nothing was written. */
  | { status: 'nothing_found'; columns: number; tables: number; cloud?: string }
  | { status: 'written'; file: string; proposals: Proposal[] }
  /** The draft did not validate (a bug); nothing was written. */
  | { status: 'invalid_draft'; errors: string[] }
  /** An existing config checked: `proposals[i]` is a source for `uncovered[i]`. */
  | { status: 'checked'; file: string; columns: number; tables: number; holding: number; covered: Coverage[]; uncovered: Coverage[]; proposals: Proposal[] };

export async function runInit(input: InitInput): Promise<InitResult> {
  const { cwd, log } = input;
  const existingFile = findConfig(cwd, input.configFile);
  const exists = existingFile !== undefined && existsSync(existingFile);
  const target = existingFile ?? path.resolve(cwd, DEFAULT_CONFIG_FILE);
  let existing: FileConfig | undefined;
  if (exists) {
    const loaded = loadConfig(cwd, input.configFile);
    if (loaded.config) existing = loaded.config;
    else if (!input.force) {
      throw usageError(`${loaded.errors.join('\n  ')}\nFix the config file, or rewrite it with \`asset-audit init --force\`.`);
    }
  } else if (input.check) {
    throw usageError(`--check needs a config file, and ${input.configFile ? target : `none was found in ${cwd}`}. Run \`asset-audit init\` to write one.`);
  }
  const checking = input.check || (exists && !input.force);

  const hosts = existing?.cloudinary.hosts ?? [];
  const storageConfig = { storage: existing?.storage, cloudinary: { hosts } };
  const storageFlags = { storage: input.storage, configDir: path.dirname(target) };
  const store = storageChosen(storageConfig, input.env, storageFlags) ? parseStorage(storageConfig, input.env, storageFlags) : undefined;
  let assets: AssetSample = emptyAssetSample();
  // a store other than Cloudinary reads values with its own grammar; Cloudinary's needs no connection
  let grammar: ReferenceGrammar | undefined;
  if (store) {
    log.info(`asset-audit ${input.version} init — ${store.label}, database ${input.database.label}`);
    const storage = await store.open({ ...GUARD, onWarn: (b) => log.warn(`${b.limit - b.remaining}/${b.limit} Admin API calls used this hour`), onRetry: (m) => log.debug(m) });
    try {
      assets = await sampleAssets(storage);
      if (store.name !== 'cloudinary') grammar = storage.grammar;
    } finally {
      storage.close();
    }
    if (assets.stoppedBy) log.warn(`the asset sample is partial: ${assets.stoppedBy}`);
    log.info(`Sampled ${assets.ids.size.toLocaleString('en-US')} asset(s) from the account (newest first) to recognise public_id columns`);
  } else {
    log.info(`asset-audit ${input.version} init — database ${input.database.label}`);
    log.warn('CLOUDINARY_URL is not set: only URLs and image/upload/… values are recognised, and URLs of any cloud count. Columns of bare public_ids are not found; set CLOUDINARY_URL to match them against the account.');
  }
  const parse = { cloudName: store?.account ?? '', hosts };
  const reading = { parse, ...(grammar ? { grammar } : {}) };

  const reader = await input.database.open({ statementTimeoutSeconds: input.timeoutSeconds });
  try {
    // a source of several statements is refused before anything runs, as detect refuses it
    if (checking) for (const source of existing!.references) sourceSql(source, reader.sql);
    let found: Discovery;
    try {
      found = await discover(reader, { ...reading, assets, anyCloud: !store, sampleSize: input.sampleSize, log });
    } catch (err) {
      throw reader.error(err);
    }
    input.onSampled?.();
    for (const p of found.problems) log.warn(`not fully sampled: ${p}`);
    if (!store && found.clouds.size > 0) {
      log.info(`Cloud names seen in URLs: ${[...found.clouds].map(([c, k]) => `${c} (${k})`).join(', ')}`);
    }
    if (checking) return await coverageOf(reader, existing!, found, reading, Boolean(store), target, log);
    return draft(found, { target, existing, folders: assets.folders, database: input.database.label, cloud: store?.account, sampleSize: input.sampleSize, quote: reader.sql.quote, version: input.version, at: (input.now ?? (() => new Date()))() });
  } finally {
    await reader.close();
  }
}

function draft(
  found: Discovery,
  o: { target: string; existing?: FileConfig; folders: ReadonlySet<string>; database: string; cloud?: string; sampleSize: number; quote: (identifier: string) => string; version: string; at: Date },
): InitResult {
  if (found.holding.length === 0) return { status: 'nothing_found', columns: found.columns.length, tables: found.tables, ...(o.cloud ? { cloud: o.cloud } : {}) };
  const notes = [
    ...found.foreignOnly.map((f) => `left out ${qualifiedName(f.sample.column)}: ${f.foreignValues} sampled value(s) hold only other clouds' or fetch URLs`),
    ...found.problems.map((p) => `not fully sampled: ${p}`),
  ];
  const proposals = proposeSources(found.holding, [], o.quote);
  let text = renderConfig({
    proposals,
    version: o.version,
    at: o.at,
    database: o.database,
    cloud: o.cloud,
    sampleSize: o.sampleSize,
    columnsSampled: found.columns.length,
    tables: found.tables,
    notes,
    ignore: cacheIgnores(o.folders),
  });
  // settings of a config being replaced with --force are kept; only the sources are rewritten
  if (o.existing) text = keepSettings(text, o.existing);
  // JSON is YAML too; only the comment marker differs
  if (/\.ya?ml$/i.test(o.target)) text = text.replace(/^(\s*)\/\/ ?/gm, '$1# ');
  const check = parseConfigText(text, o.target);
  if (check.errors.length) return { status: 'invalid_draft', errors: check.errors };
  writeAtomic(o.target, text);
  return { status: 'written', file: o.target, proposals };
}

/**
 * Top-level folders that thumbnail libraries fill with derived files no row names (sorl-thumbnail and
 * django-imagekit write `CACHE/`): suggested as ignore globs when the store's sample holds one.
 */
export const THUMBNAIL_CACHES = ['CACHE'];

function cacheIgnores(folders: ReadonlySet<string>): Array<{ glob: string; why: string }> {
  return THUMBNAIL_CACHES.filter((f) => folders.has(f)).map((f) => ({ glob: `${f}/**`, why: 'a thumbnail cache (sorl-thumbnail, django-imagekit): derived files no row names' }));
}

function keepSettings(text: string, existing: FileConfig): string {
  let out = text.replace(/"ignore": \[[^\]]*\]/, `"ignore": ${JSON.stringify(existing.ignore)}`).replace('"reportsDir": "reports"', `"reportsDir": ${JSON.stringify(existing.reportsDir)}`);
  const extra: string[] = [];
  if (existing.cloudinary.hosts.length) extra.push(`  "cloudinary": ${JSON.stringify(existing.cloudinary)}`);
  if (existing.database.statementTimeoutSeconds !== 300) extra.push(`  "database": ${JSON.stringify(existing.database)}`);
  if (existing.email) extra.push(`  "email": ${JSON.stringify(existing.email)}`);
  if (existing.notify) extra.push(`  "notify": ${JSON.stringify(existing.notify)}`);
  if (extra.length) out = out.replace(/\n}\n$/, `,\n${extra.join(',\n')}\n}\n`);
  return out;
}

async function coverageOf(
  reader: ReferenceReader,
  config: FileConfig,
  found: Discovery,
  reading: Reading,
  checkExtract: boolean,
  file: string,
  log: Logger,
): Promise<InitResult> {
  let result: { coverage: Coverage[]; problems: string[] };
  try {
    result = await checkCoverage(reader, config, found.holding, { ...reading, checkExtract });
  } catch (err) {
    throw reader.error(err);
  }
  for (const p of result.problems) log.warn(p);
  const uncovered = result.coverage.filter((c) => c.status !== 'covered');
  const taken = config.references.map((s) => s.name);
  return {
    status: 'checked',
    file,
    columns: found.columns.length,
    tables: found.tables,
    holding: found.holding.length,
    covered: result.coverage.filter((c) => c.status === 'covered'),
    uncovered,
    proposals: proposeSources(
      uncovered.map((c) => c.finding),
      taken,
      reader.sql.quote,
    ),
  };
}
