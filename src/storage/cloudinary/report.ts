/** The report words for Cloudinary: unchanged since the first report format (a golden test locks them). */
import type { ReportVocabulary } from '../backend.js';

export const CLOUDINARY_REPORT: ReportVocabulary = { orphanTitle: 'ORPHANED CLOUDINARY FILES', keyColumn: 'public_id', urlColumn: 'cloudinary_url' };
