/** The report words for Cloudinary: unchanged since the first report format (a golden test locks them). */
import type { OrphanColumn, ReportVocabulary } from '../backend.js';

const COLUMNS: readonly OrphanColumn[] = [
  { header: 'public_id', field: 'publicId' },
  { header: 'resource_type', field: 'resourceType' },
  { header: 'type', field: 'type' },
  { header: 'size_bytes', field: 'bytes' },
  { header: 'size_mb', field: 'sizeMb' },
  { header: 'format', field: 'format' },
  { header: 'uploaded_at', field: 'uploadedAt' },
  { header: 'cloudinary_url', field: 'url' },
  { header: 'asset_id', field: 'assetId' },
  { header: 'note', field: 'note' },
];

export const CLOUDINARY_REPORT: ReportVocabulary = {
  orphanTitle: 'ORPHANED CLOUDINARY FILES',
  keyColumn: 'public_id',
  urlColumn: 'cloudinary_url',
  orphanColumns: COLUMNS,
  // reports written before the `note` column
  olderOrphanColumns: [COLUMNS.slice(0, -1)],
};
