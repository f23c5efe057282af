/** How reports name ImageKit files: the key is the filePath without its leading '/', the id the fileId. */
import type { OrphanColumn, ReportVocabulary } from '../backend.js';

const COLUMNS: readonly OrphanColumn[] = [
  { header: 'file_path', field: 'publicId' },
  { header: 'size_bytes', field: 'bytes' },
  { header: 'size_mb', field: 'sizeMb' },
  { header: 'format', field: 'format' },
  { header: 'uploaded_at', field: 'uploadedAt' },
  { header: 'imagekit_url', field: 'url' },
  { header: 'file_id', field: 'assetId' },
  { header: 'note', field: 'note' },
];

export const IMAGEKIT_REPORT: ReportVocabulary = {
  orphanTitle: 'ORPHANED IMAGEKIT FILES',
  keyColumn: 'file_path',
  urlColumn: 'imagekit_url',
  accountWord: 'Library',
  storeTitle: 'ImageKit library',
  orphanColumns: COLUMNS,
};
