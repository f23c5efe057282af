/**
 * Does an existing config read every column that holds references?
 *
 * - A `table`/`column` source covers its column: the table is resolved by the database itself
 *   (Postgres' `to_regclass`: the search_path and quoting decide, as when detect runs it).
 * - A `query` source covers a column when every sampled reference-holding value of the column is
 *   returned, unchanged, in the query's `ref` column (checked by running the query filtered to
 *   those values). SQL is not parsed: a query that transforms the value, or whose WHERE/JOIN
 *   leaves some of the sampled rows out, does not count — soft-deleted rows still reference
 *   assets. Only queries whose text names the column are tried.
 * - A covered column is still reported when the source's `extract` mode would not find the
 *   references the sample holds (e.g. `"value"` on a rich-text column).
 * Anything not shown covered is reported: in doubt the check fails, it never passes.
 */
import type { FileConfig, SourceConfig } from '../config/schema.js';
import type { ReferenceReader } from '../database/types.js';
import { idsRead, type ColumnFinding, type Reading } from './classify.js';

/** Sampled values sent to a query source's check: a bound on the statement's size. */
export const COVERAGE_VALUES = 100;

export type CoverageStatus = 'covered' | 'uncovered' | 'partial' | 'misread' | 'unverified';

export interface Coverage {
  finding: ColumnFinding;
  status: CoverageStatus;
  /** Names of the sources that read the column (fully or partly). */
  by: string[];
  detail?: string;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether reading the referenced values in the source's mode finds every id the sample holds. */
function misreadBy(source: SourceConfig, finding: ColumnFinding, ctx: Reading, texts?: Set<string>): number {
  let missed = 0;
  for (const ref of finding.referenced) {
    if (texts && !texts.has(ref.text)) continue;
    const read = idsRead(ref.value, ctx, source.extract);
    if ([...ref.ids].some((id) => !read.has(id))) missed++;
  }
  return missed;
}

export interface CoverageOptions extends Reading {
  /** When the cloud name is unknown, extract modes cannot be judged. */
  checkExtract: boolean;
}

export async function checkCoverage(reader: ReferenceReader, config: FileConfig, findings: ColumnFinding[], options: CoverageOptions): Promise<{ coverage: Coverage[]; problems: string[] }> {
  const problems: string[] = [];
  const tables: Array<{ source: SourceConfig & { table: string; column: string }; tableKey?: string }> = [];
  for (const source of config.references) {
    if (!('table' in source)) continue;
    const r = await reader.isolate(() => reader.catalog.resolveTable(source.schema, source.table));
    const tableKey = r.ok ? r.value : undefined;
    if (tableKey === undefined) problems.push(`source "${source.name}": table ${source.schema ? `${source.schema}.` : ''}${source.table} ${r.ok ? 'does not exist' : `could not be resolved (${r.error})`}`);
    tables.push({ source, tableKey });
  }
  const queries = config.references.filter((s): s is SourceConfig & { query: string } => 'query' in s);

  const coverage: Coverage[] = [];
  for (const finding of findings) {
    const c = finding.sample.column;
    const direct = tables.filter((t) => t.tableKey === c.tableKey && t.source.column === c.column).map((t) => t.source);
    if (direct.length > 0) {
      const misread = options.checkExtract ? direct.every((s) => misreadBy(s, finding, options) > 0) : false;
      coverage.push(
        misread
          ? { finding, status: 'misread', by: direct.map((s) => s.name), detail: `its extract mode ("${direct[0]!.extract}") does not find the references in ${misreadBy(direct[0]!, finding, options)} sampled value(s); use "auto" or "text"` }
          : { finding, status: 'covered', by: direct.map((s) => s.name) },
      );
      continue;
    }

    const wanted = [...new Set(finding.referenced.map((r) => r.text))].slice(0, COVERAGE_VALUES);
    const mentions = new RegExp(`(^|[^A-Za-z0-9_$])"?${escapeRe(c.column)}"?($|[^A-Za-z0-9_$])`, 'i');
    const returned = new Set<string>();
    const by: string[] = [];
    const failures: string[] = [];
    let misread = 0;
    for (const source of queries.filter((q) => mentions.test(q.query))) {
      const r = await reader.isolate(() => reader.catalog.returnedTexts(source, wanted));
      if (!r.ok) {
        failures.push(`source "${source.name}": ${r.error}`);
        continue;
      }
      if (r.value.length === 0) continue;
      by.push(source.name);
      const texts = new Set(r.value);
      for (const t of texts) returned.add(t);
      if (options.checkExtract) misread += misreadBy(source, finding, options, texts);
    }
    const missing = wanted.filter((t) => !returned.has(t)).length;
    if (missing === 0 && misread === 0) coverage.push({ finding, status: 'covered', by });
    else if (missing === 0) coverage.push({ finding, status: 'misread', by, detail: `the extract mode of ${by.map((b) => `"${b}"`).join(', ')} does not find the references in ${misread} sampled value(s); use "auto" or "text"` });
    else if (failures.length > 0 && by.length === 0) coverage.push({ finding, status: 'unverified', by, detail: `could not check: ${failures.join('; ')}` });
    else if (by.length > 0) coverage.push({ finding, status: 'partial', by, detail: `${missing} of ${wanted.length} sampled reference-holding values are not returned by ${by.map((b) => `"${b}"`).join(', ')} (a WHERE or JOIN leaves rows out, or the value is transformed)` });
    else coverage.push({ finding, status: 'uncovered', by });
  }
  return { coverage, problems };
}
