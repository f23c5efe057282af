/** Streams every configured source and turns each stored value into references in the index. */
import type { SourceConfig } from '../config/schema.js';
import type { ReferenceIndex, ReferenceRow, SourceStats } from '../audit/reference-index.js';
import { toRow } from './record.js';
import type { ReferenceReader } from '../database/types.js';
import type { ReferenceGrammar } from '../storage/backend.js';

export interface CollectOptions {
  sources: SourceConfig[];
  /** The store's grammar: how a stored value names its files. */
  grammar: ReferenceGrammar;
  signal?: AbortSignal;
  onProgress?: (source: string, rows: number) => void;
}

/** Failures come out as the reader's errors, naming the source (config errors stay config errors). */
export async function collectReferences(reader: ReferenceReader, index: ReferenceIndex, options: CollectOptions): Promise<void> {
  // check every source before streaming any, so a typo in the last one fails fast
  for (const source of options.sources) {
    await reader.probe(source).catch((err: unknown) => {
      throw reader.error(err, source.name);
    });
  }
  for (const source of options.sources) {
    const stats = index.startSource(source.name);
    try {
      for await (const record of reader.stream(source)) {
        options.signal?.throwIfAborted();
        stats.rows++;
        if (stats.rows % 50_000 === 0) options.onProgress?.(source.name, stats.rows);
        const row = toRow(source, record);
        const values = valuesOf(record.ref, source.extract);
        if (values.length === 0) {
          stats.empty++;
          continue;
        }
        const hint = options.grammar.hintOf(record.resource_type);
        for (const value of values) indexValue(index, stats, row, value, options.grammar, hint, source.extract);
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw reader.error(err, source.name);
    }
  }
}

/**
 * A JSON object or array stored as text: MySQL/MariaDB JSON arrives so (MariaDB's JSON is
 * LONGTEXT), SQLite has no JSON type, and any engine may keep JSON in a text column. Its string
 * leaves protect as bare ids, as a json/jsonb document's do: protecting too much can only hide an
 * orphan, too little can delete an asset in use.
 */
function jsonDocument(text: string): object | undefined {
  const start = text.trimStart().charAt(0);
  if (start !== '{' && start !== '[') return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Puts what one stored value names into the index: requirements, protect-only readings, and the
 * fallback readings of values the parser refuses.
 */
export function indexValue(
  index: ReferenceIndex,
  stats: SourceStats,
  row: ReferenceRow,
  stored: StoredValue,
  grammar: ReferenceGrammar,
  hint: string | undefined,
  extract: SourceConfig['extract'] = 'auto',
): void {
  const { value, mode, document } = stored;
  for (const found of grammar.referencesIn(value, mode ?? extract, hint)) {
    const refRow = found.raw === value ? row : { ...row, reference: found.raw };
    if (found.parsed.kind === 'asset' && found.parsed.protectOnly) index.protect(stats, found.parsed.candidates, found.raw);
    else if (found.parsed.kind === 'asset') index.addReference(stats, refRow, found.parsed.candidates);
    else {
      index.addUnrecognised(stats, found.parsed.kind, refRow, found.parsed.reason);
      const keep = grammar.fallback(found.raw, found.parsed, hint);
      if (keep.length) index.protect(stats, keep, found.raw);
    }
  }
  if (document !== undefined) {
    const keep = grammar.jsonLeaves(document, hint);
    if (keep.length) index.protect(stats, keep, value);
  }
}

export interface StoredValue {
  value: string;
  mode?: SourceConfig['extract'];
  document?: unknown;
}

/**
 * Text gives one value read as the source says. Array elements (text[], a JSON array of strings)
 * are single stored values each: read as `auto` unless the source insists on `value`. Other
 * json/jsonb documents are scanned as text, and their string leaves also protect as bare ids; so
 * do the leaves of JSON held as text.
 */
export function valuesOf(ref: unknown, extract: SourceConfig['extract'] = 'auto'): StoredValue[] {
  if (ref === null || ref === undefined) return [];
  if (typeof ref === 'string') {
    if (ref.trim() === '') return [];
    const document = jsonDocument(ref);
    return [document === undefined ? { value: ref } : { value: ref, document }];
  }
  if (Array.isArray(ref) && ref.every((v) => typeof v === 'string' || v === null)) {
    const mode = extract === 'value' ? 'value' : 'auto';
    return ref.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((value) => ({ value, mode }));
  }
  if (typeof ref === 'object') return [{ value: JSON.stringify(ref), mode: 'text', document: ref }];
  return [{ value: String(ref) }];
}
