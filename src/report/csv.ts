/** The two-section CSV report (title line, header, rows; a blank line between sections). */
import { stringify } from 'csv-stringify/sync';
import type { DetectResult, MissingRow } from '../audit/result.js';
import { neutralise } from './neutralise.js';

export const ORPHAN_TITLE = 'ORPHANED CLOUDINARY FILES';
export const MISSING_TITLE = 'RECORDS WITH MISSING ASSETS';
export const UNVERIFIED_TITLE = 'REFERENCES NOT VERIFIED (SCAN INCOMPLETE)';
export const INCOMPLETE_PREFIX = 'INCOMPLETE SCAN';

export const ORPHAN_COLUMNS = ['public_id', 'resource_type', 'type', 'size_bytes', 'size_mb', 'format', 'uploaded_at', 'cloudinary_url', 'asset_id'];
export const MISSING_COLUMNS = ['source', 'record_id', 'title', 'author', 'resource_type', 'type', 'public_id', 'created_at', 'status', 'record_url', 'reference'];

const csv = (rows: string[][]): string => stringify(rows.map((r) => r.map(neutralise)), { record_delimiter: '\n' });

function missingRows(rows: MissingRow[]): string[][] {
  return rows.map((m) => [m.source, m.recordId, m.title, m.author, m.resourceType, m.type, m.publicId, m.createdAt, m.status, m.recordUrl, m.reference]);
}

export function renderCsv(result: DetectResult): string {
  const parts: string[] = [];
  if (!result.complete) parts.push(csv([[`${INCOMPLETE_PREFIX}: ${result.incompleteReason ?? 'stopped early'}`]]) + '\n');
  parts.push(ORPHAN_TITLE + '\n');
  parts.push(
    csv([
      ORPHAN_COLUMNS,
      ...result.orphans.map((o) => [o.publicId, o.resourceType, o.type, String(o.bytes), (o.bytes / 1_048_576).toFixed(2), o.format, o.uploadedAt, o.url, o.assetId]),
    ]),
  );
  parts.push('\n' + MISSING_TITLE + '\n');
  parts.push(csv([MISSING_COLUMNS, ...missingRows(result.missing)]));
  if (result.unverified.length > 0) {
    parts.push('\n' + UNVERIFIED_TITLE + '\n');
    parts.push(csv([MISSING_COLUMNS, ...missingRows(result.unverified)]));
  }
  return parts.join('');
}
