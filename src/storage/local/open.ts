/** Opens a media folder: it must be a folder; its path is resolved (a symlinked root is followed once, here). */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../../errors.js';
import type { StorageFlags } from '../backend.js';
import { LocalFolder } from './backend.js';
import { defaultTrash, runName } from './quarantine.js';
import { detectFolding } from './folding.js';

export function openLocalFolder(root: string, origin: string, settings: { mediaUrl?: string; hosts?: string[] }, flags: StorageFlags): LocalFolder {
  let real: string;
  try {
    real = realpathSync(root);
    if (!statSync(real).isDirectory()) throw usageError(`${origin}: ${root} is not a folder`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code) throw usageError(`${origin}: the media folder ${root} cannot be opened (${(err as NodeJS.ErrnoException).code})`);
    throw err;
  }
  const quarantine = flags.deleting ? (flags.quarantineDir ? path.resolve(flags.quarantineDir) : path.join(defaultTrash(real), runName(new Date()))) : undefined;
  return new LocalFolder({ root: real, mediaUrl: settings.mediaUrl, hosts: settings.hosts ?? [], quarantine, folding: detectFolding(real) });
}
