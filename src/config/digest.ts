import { createHash } from 'node:crypto';
import type { FileConfig } from './schema.js';

/**
 * What decides which assets count as referenced: the sources, the ignore globs, the custom hosts.
 * A checkpoint or a report made under one digest is not trusted under another.
 */
export function configDigest(config: FileConfig): string {
  return createHash('sha256').update(JSON.stringify({ references: config.references, ignore: config.ignore, hosts: config.cloudinary.hosts })).digest('hex');
}
