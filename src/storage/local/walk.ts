/**
 * Walks a media folder a page at a time: one open directory handle and a stack of folders still
 * to read, never an array of the tree (a million files cost what one page costs). Nothing is
 * followed out of the root: symlinks are set apart, never listed as files and never descended;
 * a folder that cannot be read is a gap, named, and makes the listing incomplete. Synchronous
 * calls, a page at a time: a stat costs microseconds, the event loop waits one page at most.
 */
import { lstatSync, opendirSync, type Dir, type Dirent, type Stats } from 'node:fs';
import path from 'node:path';
import type { SetApart } from '../types.js';

export interface WalkedFile {
  rel: string;
  stat: Stats;
}

export interface WalkPage {
  files: WalkedFile[];
  apart: SetApart[];
  gaps: SetApart[];
  notes: string[];
}

const nonAscii = /[^\x00-\x7f]/;

const kindOf = (d: Dirent | Stats): string =>
  d.isSymbolicLink() ? 'symlink' : d.isFIFO() ? 'fifo' : d.isSocket() ? 'socket' : d.isBlockDevice() || d.isCharacterDevice() ? 'device' : 'special file';

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? 'error';

export class FolderWalk {
  /** Folders still to read, relative to the root ('' is the root). */
  private readonly stack: string[];
  private current?: { rel: string; dir: Dir; spellings?: Map<string, string> };
  done = false;

  constructor(
    private readonly root: string,
    /** Only paths starting with this (a folder prefix like `2024/` or a name prefix like `avatars/a`). */
    private readonly prefix = '',
  ) {
    const slash = prefix.lastIndexOf('/');
    this.stack = [slash < 0 ? '' : prefix.slice(0, slash)];
  }

  /** Up to `max` files, with what was set apart on the way; `done` once the tree is walked. */
  next(max: number): WalkPage {
    const page: WalkPage = { files: [], apart: [], gaps: [], notes: [] };
    while (page.files.length < max) {
      if (!this.current && !this.openNext(page)) {
        this.done = true;
        break;
      }
      const c = this.current!;
      let entry: Dirent | null;
      try {
        entry = c.dir.readSync();
      } catch (err) {
        page.gaps.push({ key: `${c.rel}/`, reason: `unreadable (${code(err)})` });
        entry = null;
      }
      if (!entry) {
        this.close();
        continue;
      }
      this.take(c, entry, page);
    }
    return page;
  }

  close(): void {
    try {
      this.current?.dir.closeSync();
    } catch {
      // already closed
    }
    this.current = undefined;
  }

  private openNext(page: WalkPage): boolean {
    while (this.stack.length) {
      const rel = this.stack.pop()!;
      try {
        this.current = { rel, dir: opendirSync(path.join(this.root, rel), { bufferSize: 256 }) };
        return true;
      } catch (err) {
        // the prefix's own folder may simply not exist; anything else hides files
        if (code(err) === 'ENOENT' && rel !== '') continue;
        page.gaps.push({ key: rel === '' ? '/' : `${rel}/`, reason: `unreadable (${code(err)})` });
      }
    }
    return false;
  }

  private wanted(rel: string, isDir: boolean): boolean {
    if (!this.prefix || rel.startsWith(this.prefix)) return true;
    return isDir && this.prefix.startsWith(`${rel}/`);
  }

  private take(c: NonNullable<FolderWalk['current']>, entry: Dirent, page: WalkPage): void {
    const name = entry.name;
    const rel = c.rel ? `${c.rel}/${name}` : name;
    if (nonAscii.test(name)) this.spelling(c, name, page);
    let kind: Dirent | Stats = entry;
    // some filesystems do not say what an entry is: ask
    if (!entry.isFile() && !entry.isDirectory() && !entry.isSymbolicLink() && !entry.isFIFO() && !entry.isSocket() && !entry.isBlockDevice() && !entry.isCharacterDevice()) {
      try {
        kind = lstatSync(path.join(this.root, rel));
      } catch (err) {
        if (code(err) !== 'ENOENT') page.gaps.push({ key: rel, reason: `cannot stat (${code(err)})` });
        return;
      }
    }
    if (kind.isDirectory()) {
      if (this.wanted(rel, true)) this.stack.push(rel);
      return;
    }
    if (!this.wanted(rel, false)) return;
    if (!kind.isFile()) {
      page.apart.push({ key: rel, reason: kindOf(kind) });
      return;
    }
    try {
      const stat = lstatSync(path.join(this.root, rel));
      if (stat.isFile()) page.files.push({ rel, stat });
      else page.apart.push({ key: rel, reason: kindOf(stat) });
    } catch (err) {
      // removed since the folder was read: not there, nothing hidden
      if (code(err) !== 'ENOENT') page.gaps.push({ key: rel, reason: `cannot stat (${code(err)})` });
    }
  }

  /** Two names of one folder that differ only in Unicode normalisation are two files on Linux: say so. */
  private spelling(c: NonNullable<FolderWalk['current']>, name: string, page: WalkPage): void {
    const spellings = (c.spellings ??= new Map());
    const key = name.normalize('NFC');
    const other = spellings.get(key);
    if (other === undefined) spellings.set(key, name);
    else if (other !== name) {
      const where = c.rel ? `${c.rel}/` : 'the root';
      page.notes.push(`${where}: ${JSON.stringify(name)} and ${JSON.stringify(other)} are two files whose names differ only in Unicode normalisation (NFC/NFD); each is judged by its exact spelling`);
    }
  }
}
