/**
 * SQLite URLs: `sqlite:///abs/path.db` (and `sqlite:////abs/path.db`), `sqlite:relative.db`,
 * `file:relative.db`, `file:///abs/path.db`. Relative paths are taken from the working directory.
 * A query string (`?mode=ro`) is ignored: the file is always opened read-only.
 */
import path from 'node:path';
import { usageError } from '../../errors.js';
import { decodeUrlPart } from '../url.js';

export const SQLITE_EXAMPLE = 'sqlite:///ABSOLUTE/PATH/db.sqlite3 (or sqlite:RELATIVE/db.sqlite3)';

export function sqlitePath(value: string, cwd = process.cwd()): string {
  const m = /^(sqlite|file):(.*)$/is.exec(value.trim());
  if (!m) throw usageError(`DATABASE_URL is not an SQLite URL. Set it to ${SQLITE_EXAMPLE}.`);
  let rest = m[2]!.replace(/[?#].*$/s, '');
  if (rest.startsWith('//')) {
    // sqlite://host/… names no host: only an empty authority (sqlite:///…) or localhost is a path
    const authority = /^\/\/([^/]*)/.exec(rest)![1]!;
    if (authority !== '' && authority.toLowerCase() !== 'localhost') {
      throw usageError(`DATABASE_URL "${m[1]}://${authority}/…" names a host; an SQLite URL names a file: ${SQLITE_EXAMPLE}.`);
    }
    rest = rest.slice(2 + authority.length);
  }
  const file = decodeUrlPart(rest, 'path');
  if (file === '' || file === '/') throw usageError(`DATABASE_URL names no SQLite file. Set it to ${SQLITE_EXAMPLE}.`);
  return path.resolve(cwd, file.replace(/^\/+/, '/'));
}
