/** Streams every configured source and turns each stored value into references in the index. */
import type pg from 'pg';
import type { SourceConfig } from '../config/schema.js';
import type { ReferenceIndex } from '../audit/reference-index.js';
import { toRow } from './record.js';
import { RESOURCE_TYPES, type ResourceType } from '../storage/types.js';
import { referencesIn } from './extract.js';
import { sourceColumns, streamSource } from './source.js';
import type { ParseContext } from './types.js';

export interface CollectOptions {
  sources: SourceConfig[];
  context: ParseContext;
  signal?: AbortSignal;
  onProgress?: (source: string, rows: number) => void;
  /** Called with the source's name when its query fails, so the error can name it. */
  onSourceError?: (source: string, err: unknown) => Error;
}

export async function collectReferences(client: pg.Client, index: ReferenceIndex, options: CollectOptions): Promise<void> {
  // check every source before streaming any, so a typo in the last one fails fast
  for (const source of options.sources) {
    await sourceColumns(client, source).catch((err: unknown) => {
      throw options.onSourceError?.(source.name, err) ?? err;
    });
  }
  for (const source of options.sources) {
    const stats = index.startSource(source.name);
    try {
      for await (const record of streamSource(client, source)) {
        options.signal?.throwIfAborted();
        stats.rows++;
        if (stats.rows % 50_000 === 0) options.onProgress?.(source.name, stats.rows);
        const row = toRow(source, record);
        const values = valuesOf(record.ref);
        if (values.length === 0) {
          stats.empty++;
          continue;
        }
        const hint = RESOURCE_TYPES.includes(record.resource_type as ResourceType) ? (record.resource_type as ResourceType) : undefined;
        const context = hint ? { ...options.context, resourceTypeHint: hint } : options.context;
        for (const { value, mode } of values) {
          for (const found of referencesIn(value, context, mode ?? source.extract)) {
            const refRow = found.raw === value ? row : { ...row, reference: found.raw };
            if (found.parsed.kind === 'asset' && found.parsed.protectOnly) index.protect(stats, found.parsed.candidates, found.raw);
            else if (found.parsed.kind === 'asset') index.addReference(stats, refRow, found.parsed.candidates);
            else {
              index.addUnrecognised(stats, found.parsed.kind, refRow, found.parsed.reason);
              // a value we cannot read may still be a public_id as stored: keep that asset, never call it an orphan
              if (found.parsed.kind === 'invalid' && found.raw.trim() !== '') index.protect(stats, [{ publicId: found.raw.trim() }], found.raw);
            }
          }
        }
      }
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw options.onSourceError?.(source.name, err) ?? err;
    }
  }
}

/** Text and text[] give values as stored; json/jsonb arrive parsed and are scanned as text. */
export function valuesOf(ref: unknown): Array<{ value: string; mode?: 'text' }> {
  if (ref === null || ref === undefined) return [];
  if (typeof ref === 'string') return ref.trim() === '' ? [] : [{ value: ref }];
  if (Array.isArray(ref) && ref.every((v) => typeof v === 'string' || v === null)) {
    return ref.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((value) => ({ value }));
  }
  if (typeof ref === 'object') return [{ value: JSON.stringify(ref), mode: 'text' }];
  return [{ value: String(ref) }];
}
