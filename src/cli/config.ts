import { loadConfig } from '../config/load.js';
import type { FileConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { usageError } from './exit.js';

export function loadConfigOrThrow(explicit: string | undefined, log: Logger): { config: FileConfig; file: string } {
  const loaded = loadConfig(process.cwd(), explicit);
  for (const w of loaded.warnings) log.warn(w);
  if (loaded.errors.length || !loaded.config || !loaded.file) {
    throw usageError(loaded.errors.length === 1 ? loaded.errors[0]! : `invalid configuration:\n  ${loaded.errors.join('\n  ')}`);
  }
  return { config: loaded.config, file: loaded.file };
}
