/**
 * How reports name each backend's files, by the backend name a DetectResult carries. A result
 * without one (older twins) is Cloudinary's. Reporters read this table; they never branch on names.
 */
import type { ReportVocabulary } from './backend.js';
import { CLOUDINARY_REPORT } from './cloudinary/report.js';

const WORDS: Readonly<Record<string, ReportVocabulary>> = { cloudinary: CLOUDINARY_REPORT };

export const DEFAULT_BACKEND = 'cloudinary';

export function reportVocabulary(backend: string | undefined): ReportVocabulary {
  return WORDS[backend ?? DEFAULT_BACKEND] ?? WORDS[DEFAULT_BACKEND]!;
}
