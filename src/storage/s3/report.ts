/** How reports name an S3 bucket's objects. */
import type { OrphanColumn, ReportVocabulary } from '../backend.js';

const COLUMNS: readonly OrphanColumn[] = [
  { header: 'key', field: 'publicId' },
  { header: 'size_bytes', field: 'bytes' },
  { header: 'size_mb', field: 'sizeMb' },
  { header: 'last_modified', field: 'uploadedAt' },
  { header: 's3_uri', field: 'url' },
  { header: 'object_id', field: 'assetId' },
  { header: 'note', field: 'note' },
];

export const S3_REPORT: ReportVocabulary = {
  orphanTitle: 'ORPHANED S3 OBJECTS',
  keyColumn: 'key',
  urlColumn: 's3_uri',
  accountWord: 'Bucket',
  storeTitle: 'S3 bucket',
  orphanColumns: COLUMNS,
};
