/**
 * `file:` URLs naming a media folder: `file:///srv/app/media` (absolute), `file:/srv/app/media`,
 * or `file:media` / `file:./media` (relative to the configuration file's folder, so a config
 * checked in beside the app names its own media folder wherever the app is deployed).
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { usageError } from '../../errors.js';

export function parseFileUrl(url: string, origin: string, baseDir: string): string {
  const rest = url.replace(/^file:/i, '');
  if (rest === '') throw usageError(`${origin}: "file:" names no folder; use file:///ABSOLUTE/PATH or file:RELATIVE/PATH (relative to the config file)`);
  if (rest.startsWith('//')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw usageError(`${origin}: "${url}" is not a valid file: URL; use file:///ABSOLUTE/PATH`);
    }
    if (parsed.hostname && parsed.hostname !== 'localhost') throw usageError(`${origin}: file URLs name a folder on this machine; "${parsed.hostname}" is a host (use file:///PATH)`);
    if (parsed.search || parsed.hash) throw usageError(`${origin}: a file: URL takes no query or fragment`);
    return path.resolve(fileURLToPath(parsed));
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    decoded = rest;
  }
  return path.resolve(baseDir, decoded);
}
