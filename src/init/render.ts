/**
 * Pure: the sources init proposes and the commented config file it writes. Identifiers that the
 * config's `table`/`column` shorthand cannot express (spaces, quotes…) become a `query` source
 * with quoted identifiers instead.
 */
import type { SourceConfig } from '../config/schema.js';
import { doubleQuote } from '../database/sql.js';
import type { ColumnFinding } from './classify.js';
import { qualifiedName } from './catalog.js';

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;
const n = (v: number): string => v.toLocaleString('en-US');
/** Names and counts go into `//` comments: a line break would end the comment early. */
const oneLine = (s: string): string => s.replace(/[\r\n\u2028\u2029]+/g, ' ');

export interface Proposal {
  source: SourceConfig;
  finding: ColumnFinding;
}

function baseName(f: ColumnFinding): string {
  const c = f.sample.column;
  const raw = c.defaultSchema ? `${c.table}_${c.column}` : `${c.schema}_${c.table}_${c.column}`;
  return raw.replace(/[^\w.-]+/g, '_') || 'source';
}

/** `quote`: the database's identifier quoting, for columns the shorthand cannot name. */
export function proposeSources(findings: ColumnFinding[], taken: Iterable<string> = [], quote: (identifier: string) => string = doubleQuote): Proposal[] {
  const used = new Set(taken);
  return findings.map((finding) => {
    const c = finding.sample.column;
    let name = baseName(finding);
    for (let i = 2; used.has(name); i++) name = `${baseName(finding)}_${i}`;
    used.add(name);
    const extract = finding.extract ? { extract: finding.extract } : {};
    const plain = [c.schema, c.table, c.column, c.primaryKey ?? 'id', c.titleColumn ?? 'title'].every((s) => PLAIN_IDENTIFIER.test(s));
    let source: SourceConfig;
    if (plain) {
      source = {
        name,
        table: c.table,
        ...(c.defaultSchema ? {} : { schema: c.schema }),
        column: c.column,
        ...(c.primaryKey ? { id: c.primaryKey } : {}),
        ...(c.titleColumn ? { title: c.titleColumn } : {}),
        ...extract,
      } as SourceConfig;
    } else {
      const cols = [`${quote(c.column)} AS ref`];
      if (c.primaryKey) cols.unshift(`${quote(c.primaryKey)} AS id`);
      if (c.titleColumn) cols.push(`${quote(c.titleColumn)} AS title`);
      // the default schema is left out here too, as the shorthand above leaves it out
      const table = c.defaultSchema ? quote(c.table) : `${quote(c.schema)}.${quote(c.table)}`;
      source = { name, query: `SELECT ${cols.join(', ')} FROM ${table} WHERE ${quote(c.column)} IS NOT NULL`, ...extract } as SourceConfig;
    }
    return { source, finding };
  });
}

/** One line saying what init saw in a column. */
export function describeFinding(f: ColumnFinding): string {
  const s = f.sample;
  const parts = [`${f.urlValues + f.idValues} of ${n(f.sampled)} sampled values hold references`];
  const kinds: string[] = [];
  if (f.urlValues) kinds.push(`${n(f.urlValues)} with URLs or RT/TYPE/… paths`);
  if (f.idValues) kinds.push(`${n(f.idValues)} public_ids of sampled assets`);
  if (f.textValues) kinds.push(`${n(f.textValues)} inside text`);
  if (kinds.length) parts[0] += ` (${kinds.join(', ')})`;
  if (s.hinted !== undefined && s.rowsScanned !== undefined) {
    parts.push(`${n(s.hinted)} of ${n(s.rowsScanned)} rows mention Cloudinary${s.sampledPercent !== undefined ? ` (in a ${s.sampledPercent.toFixed(2)}% table sample)` : ''}`);
  }
  return oneLine(parts.join('; '));
}

function sourceLine(source: SourceConfig): string {
  return `{ ${Object.entries(source).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
}

/** A JSON snippet of one source, to paste into an existing config. */
export const sourceSnippet = sourceLine;

export interface RenderInput {
  proposals: Proposal[];
  version: string;
  at: Date;
  database: string;
  cloud?: string;
  sampleSize: number;
  columnsSampled: number;
  tables: number;
  /** Extra `//` lines: columns left out and why. */
  notes: string[];
  /** Suggested ignore globs (thumbnail caches seen in the store), each with why. */
  ignore?: Array<{ glob: string; why: string }>;
}

export function renderConfig(input: RenderInput): string {
  const lines = [
    `// asset-audit configuration, written by \`asset-audit init\` (asset-audit ${input.version}) on ${input.at.toISOString()}`,
    oneLine(`// from database ${input.database}${input.cloud ? ` and cloud "${input.cloud}"` : ' (CLOUDINARY_URL was not set: only URL and RT/TYPE/… forms were recognised)'}.`),
    `// ${n(input.columnsSampled)} text/json columns in ${n(input.tables)} tables were sampled (up to ${n(input.sampleSize)} values each, plus rows`,
    `// mentioning Cloudinary); every source below held references. Review it, then run \`asset-audit detect\`.`,
    '// In CI, `asset-audit init --check` exits 1 when a column holds references that no source reads.',
    '{',
    '  "references": [',
  ];
  input.proposals.forEach((p, i) => {
    const c = p.finding.sample.column;
    lines.push(oneLine(`    // ${qualifiedName(c)} (${c.type}): ${describeFinding(p.finding)}`));
    if (!c.primaryKey) lines.push('    // no single-column primary key: records are reported without an id');
    lines.push(`    ${sourceLine(p.source)}${i < input.proposals.length - 1 ? ',' : ''}`);
  });
  for (const note of input.notes) lines.push(oneLine(`    // ${note}`));
  const ignore = input.ignore ?? [];
  lines.push('  ],');
  for (const i of ignore) lines.push(oneLine(`  // ignore ${i.glob}: ${i.why}`));
  lines.push(`  "ignore": ${JSON.stringify(ignore.map((i) => i.glob))},`, '  "reportsDir": "reports"', '}', '');
  return lines.join('\n');
}
