/**
 * Delete on a folder is a move into a quarantine, never an unlink of the only copy: each file is
 * hashed, its manifest line (path, size, sha256, mtime) written and fsynced, then it is moved —
 * by a hard link and an unlink on one filesystem (the same inode: bytes and mtime untouched), or by
 * copy, fsync, then unlink across filesystems. Nothing is ever overwritten: a name taken at the
 * destination leaves the file where it is. `restore` moves files back the same way.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync, statSync, unlinkSync, utimesSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { refusal } from '../../errors.js';

/** The default quarantine's folder, beside the root (never inside it: the walk would list it). */
export const TRASH_NAME = '.asset-audit-trash';

export const defaultTrash = (root: string): string => path.join(path.dirname(root), TRASH_NAME);

/** A run's folder name: when the delete started, sortable, one per run. */
export const runName = (at: Date): string => at.toISOString().replace(/[:.]/g, '-');

export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(p, 'r');
    fsyncSync(fd);
  } catch {
    // some filesystems refuse fsync on a folder; the file itself was synced
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Moves `from` to `to` unless `to` exists: `moved`, or `exists` (nothing changed). The result has
 * the source's bytes and mtime.
 */
export function moveNoClobber(from: string, to: string, source: Stats): 'moved' | 'exists' {
  mkdirSync(path.dirname(to), { recursive: true });
  try {
    linkSync(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return 'exists';
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP') throw err;
    // another filesystem (or one without hard links): copy, make it durable, then remove the source
    try {
      copyFileSync(from, to, constants.COPYFILE_EXCL);
    } catch (copyErr) {
      if ((copyErr as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw copyErr;
    }
    // seconds as numbers keep the sub-millisecond part a Date would drop
    utimesSync(to, source.atimeMs / 1000, source.mtimeMs / 1000);
    const copied = statSync(to);
    if (copied.size !== source.size) {
      unlinkSync(to);
      throw new Error(`copied ${copied.size} bytes of ${source.size}`);
    }
    fsyncPath(to);
  }
  fsyncPath(path.dirname(to));
  unlinkSync(from);
  fsyncPath(path.dirname(from));
  return 'moved';
}

/**
 * Roots a delete will not touch: the filesystem root, the home folder, and a folder that holds the
 * quarantine (the walk would list the quarantined files, a restore would move them into themselves).
 */
export function refuseUnsafeRoot(root: string, quarantine: string): void {
  const home = path.resolve(homedir());
  if (root === path.parse(root).root) throw refusal(`refusing to delete from ${root}: the filesystem root is not a media folder`);
  if (root === home) throw refusal(`refusing to delete from ${root}: it is the home folder, not a media folder`);
  const inside = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(path.sep) ? parent : parent + path.sep);
  if (inside(quarantine, root)) throw refusal(`refusing to delete from ${root}: the quarantine ${quarantine} lies inside it; choose --backup-dir outside the media folder`);
  if (inside(root, quarantine)) throw refusal(`refusing to delete from ${root}: it lies inside the quarantine ${quarantine}`);
}

/** Quarantine runs (folders holding a manifest) last written more than `days` ago, oldest first. */
export function staleRuns(trash: string, days: number, now: Date): Array<{ dir: string; lastWrite: Date }> {
  if (!existsSync(trash)) return [];
  const cutoff = now.getTime() - days * 86_400_000;
  const runs: Array<{ dir: string; lastWrite: Date }> = [];
  for (const entry of readdirSync(trash, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(trash, entry.name);
    const manifest = path.join(dir, 'manifest.jsonl');
    // only what delete wrote: a folder without a manifest is not ours to remove
    if (!existsSync(manifest)) continue;
    const lastWrite = lstatSync(manifest).mtime;
    if (lastWrite.getTime() < cutoff) runs.push({ dir, lastWrite });
  }
  return runs.sort((a, b) => a.lastWrite.getTime() - b.lastWrite.getTime());
}

export const removeRun = (dir: string): void => rmSync(dir, { recursive: true, force: true });
