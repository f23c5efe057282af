/**
 * How reports name each backend's files, by the backend name a DetectResult carries. A result
 * without one (older twins) is Cloudinary's. Reporters and the report reader use this table;
 * they never branch on names. A backend adds its words here (its `report` member is the same object).
 */
import type { ReportVocabulary } from './backend.js';
import { CLOUDINARY_REPORT } from './cloudinary/report.js';

const WORDS: Readonly<Record<string, ReportVocabulary>> = { cloudinary: CLOUDINARY_REPORT };

export const DEFAULT_BACKEND = 'cloudinary';

export function reportVocabulary(backend: string | undefined): ReportVocabulary {
  const words = WORDS[backend ?? DEFAULT_BACKEND];
  // a backend that did not register its words would get another store's report: refuse instead
  if (!words) throw new Error(`no report words for the storage backend "${backend}" (register them in src/storage/vocabulary.ts)`);
  return words;
}

/** Every backend's words with its name (the report reader recognises a CSV by its orphan title). */
export function allVocabularies(): Array<[string, ReportVocabulary]> {
  return Object.entries(WORDS);
}
