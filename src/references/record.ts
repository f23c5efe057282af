/** A source's result row as the report shows it. */
import type { ReferenceRow } from '../audit/reference-index.js';
import type { SourceConfig } from '../config/schema.js';

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '' : v.toISOString();
  return String(v);
}

export function toRow(source: SourceConfig, record: Record<string, unknown>): ReferenceRow {
  const status = text(record.status);
  return {
    source: source.name,
    recordId: text(record.id),
    title: text(record.title),
    author: text(record.author),
    // a row is live unless the source says otherwise
    status: status === '' ? 'ACTIVE' : status,
    createdAt: text(record.created_at),
    recordUrl: text(record.url) || (source.recordUrl ? fillTemplate(source.recordUrl, record) : ''),
    reference: typeof record.ref === 'string' ? record.ref : JSON.stringify(record.ref),
  };
}

export function fillTemplate(template: string, record: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in record ? encodeURIComponent(text(record[name])) : whole));
}
