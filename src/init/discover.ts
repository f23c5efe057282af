/** Samples every candidate column of the database and classifies it (read-only throughout). */
import type { ReferenceReader } from '../database/types.js';
import type { Logger } from '../log.js';
import type { AssetSample } from './assets.js';
import { qualifiedName, type CandidateColumn } from './catalog.js';
import { classifyColumn, type ColumnFinding, type Reading } from './classify.js';
import { byTable, sampleTable } from './sample.js';

export interface DiscoverOptions extends Reading {
  assets: AssetSample;
  anyCloud: boolean;
  sampleSize: number;
  log: Logger;
  signal?: AbortSignal;
}

export interface Discovery {
  columns: CandidateColumn[];
  tables: number;
  findings: ColumnFinding[];
  /** Columns that hold references. */
  holding: ColumnFinding[];
  /** Columns that could not be read in full, with why. */
  problems: string[];
  /** Columns whose only Cloudinary URLs belong to other clouds or are not stored assets. */
  foreignOnly: ColumnFinding[];
  /** Cloud names seen in delivery URLs, with counts. */
  clouds: Map<string, number>;
}

export async function discover(reader: ReferenceReader, options: DiscoverOptions): Promise<Discovery> {
  const { log } = options;
  const columns = await reader.catalog.columns();
  const groups = byTable(columns);
  log.info(`Sampling ${columns.length} text/json column(s) in ${groups.length} table(s)…`);
  const findings: ColumnFinding[] = [];
  const problems: string[] = [];
  const clouds = new Map<string, number>();
  let done = 0;
  for (const group of groups) {
    options.signal?.throwIfAborted();
    const samples = await sampleTable(reader, group, { sampleSize: options.sampleSize, hosts: options.parse.hosts, hints: options.grammar?.sampleHints });
    for (const sample of samples) {
      for (const p of sample.problems) problems.push(`${qualifiedName(sample.column)}: ${p}`);
      const finding = classifyColumn(sample, { parse: options.parse, ...(options.grammar ? { grammar: options.grammar } : {}), assets: options.assets, anyCloud: options.anyCloud });
      for (const [cloud, count] of finding.clouds) clouds.set(cloud, (clouds.get(cloud) ?? 0) + count);
      findings.push(finding);
      log.debug(`  ${qualifiedName(sample.column)}: ${finding.sampled} values, ${finding.urlValues} with URLs, ${finding.idValues} public_ids${finding.foreignValues ? `, ${finding.foreignValues} foreign` : ''}`);
    }
    done++;
    log.progress(`sampled ${done}/${groups.length} tables`);
  }
  const holding = findings.filter((f) => f.holdsReferences);
  const foreignOnly = findings.filter((f) => !f.holdsReferences && f.foreignValues > 0);
  return { columns, tables: groups.length, findings, holding, problems, foreignOnly, clouds };
}
