/**
 * The one way asset-audit creates and appends to files (reports, twins, checkpoints, backups,
 * manifests, journals, history, temporary spools): never through a symbolic link, mode 0600, and
 * durable before it becomes visible. A new file is written to a temporary name opened with
 * O_EXCL | O_NOFOLLOW, fsynced, renamed over the target, then its directory is fsynced; an
 * appended file is opened with O_NOFOLLOW and fsynced after each append. A symlink planted where
 * a report or journal goes (by another local user, or a careless script) is refused rather than
 * followed, so it cannot redirect a write onto some other file.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { refusal } from '../errors.js';

const MODE = 0o600;
const NEW_EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/** Refuses a target that is a symbolic link (a dangling one included). */
export function refuseSymlink(file: string): void {
  let isLink = false;
  try {
    isLink = lstatSync(file).isSymbolicLink();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (isLink) throw symlinkRefusal(file);
}

const symlinkRefusal = (file: string) =>
  refusal(`${file} is a symbolic link; asset-audit does not write through symlinks. Remove it or choose another path.`);

function openRefusingLinks(file: string, flags: number): number {
  try {
    return openSync(file, flags, MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw symlinkRefusal(file);
    throw err;
  }
}

/** fsyncs a directory, so a rename or a new entry in it survives a crash. */
export function fsyncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `data` to `fd` (writeSync may write less than asked). */
export function writeAll(fd: number, data: Buffer | string): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  for (let done = 0; done < buf.length; ) done += writeSync(fd, buf, done, buf.length - done);
}

/**
 * Creates `file` whole or not at all: `fill` writes to the descriptor of a fresh temporary file
 * beside it; that file is fsynced, renamed over `file`, and the directory fsynced. A symlinked
 * `file` is refused before anything is written.
 */
export function writeDurably(file: string, fill: (fd: number) => void): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  refuseSymlink(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined = openRefusingLinks(tmp, NEW_EXCLUSIVE);
  try {
    fill(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    // checked again: a link planted while we wrote must not be replaced silently either
    refuseSymlink(file);
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDirectory(dir);
}

/** writeDurably for content at hand. */
export function writeFileDurably(file: string, data: Buffer | string): void {
  writeDurably(file, (fd) => writeAll(fd, data));
}

/**
 * Opens `file` for appending (created 0600 if absent, its directory then fsynced), refusing a
 * symlink. The caller writes, fsyncs and closes; see appendDurably.
 */
export function openForAppend(file: string): number {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true });
  let created = false;
  try {
    lstatSync(file);
  } catch {
    created = true;
  }
  const fd = openRefusingLinks(file, APPEND);
  if (created) {
    try {
      fsyncDirectory(dir);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }
  return fd;
}

/** Appends `text` in one write and fsyncs it before returning. */
export function appendDurably(file: string, text: string): void {
  const fd = openForAppend(file);
  try {
    writeAll(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A new file that must not exist yet (temporary spools in a private directory): O_EXCL, no symlink. */
export function createExclusive(file: string): number {
  return openRefusingLinks(file, NEW_EXCLUSIVE);
}
