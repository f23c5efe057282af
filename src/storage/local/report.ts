/** The report words for a local media folder: the file's path relative to the root is its key. */
import type { ReportVocabulary } from '../backend.js';

/** Formats a browser shows as an image: the review page previews these from the file's own URL (loaded lazily). */
const PREVIEWABLE = new Set(['jpg', 'jpeg', 'png', 'gif', 'webp', 'avif', 'svg']);

export const LOCAL_REPORT: ReportVocabulary = {
  orphanTitle: 'ORPHANED LOCAL FILES',
  keyColumn: 'path',
  urlColumn: 'url',
  accountWord: 'Folder',
  storeTitle: 'Media folder',
  preview: (o) => (PREVIEWABLE.has(o.format) && /^https?:\/\//i.test(o.url) ? { kind: 'image', url: o.url } : { kind: 'none' }),
  headsLine: (count) => `Existence checks: ${count} (a stat each, from the root down; no link followed)`,
  orphanColumns: [
    { header: 'path', field: 'publicId' },
    { header: 'size_bytes', field: 'bytes' },
    { header: 'size_mb', field: 'sizeMb' },
    { header: 'format', field: 'format' },
    { header: 'modified_at', field: 'uploadedAt' },
    { header: 'url', field: 'url' },
  ],
};
