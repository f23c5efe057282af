/**
 * Whether the media folder's filesystem folds case or Unicode normalisation (macOS APFS/HFS+ by
 * default, Windows): there a row naming `Avatars/X.JPG` or an NFC `café.jpg` is served the file
 * `avatars/x.jpg` or the NFD `café.jpg`, while keys are compared exactly, so the listed spelling
 * would be called an orphan. Told by looking only (lstat, readdir): an existing entry's name is
 * case-flipped or re-normalised and looked up; the same device and inode under a name the folder
 * does not list means the filesystem folded it. Nothing is ever written to the user's folder.
 */
import { lstatSync, opendirSync, type BigIntStats } from 'node:fs';
import path from 'node:path';

/** true: folds; false: tells the spellings apart; undefined: no entry name could tell. */
export interface Folding {
  case?: boolean;
  unicode?: boolean;
}

/** Entries read at most while looking for names to tell by (a few folders from the top). */
const MAX_ENTRIES = 2000;

export type Lstat = (file: string) => Pick<BigIntStats, 'dev' | 'ino' | 'isDirectory' | 'isSymbolicLink'>;

const bigLstat: Lstat = (file) => lstatSync(file, { bigint: true });

/** The name with its ASCII letters' case swapped (undefined when it has none). */
export function flipCase(name: string): string | undefined {
  const flipped = name.replace(/[A-Za-z]/g, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
  return flipped === name ? undefined : flipped;
}

/** The name in the other Unicode normal form (undefined when both forms are the same). */
export function otherNormalForm(name: string): string | undefined {
  const nfd = name.normalize('NFD');
  if (nfd !== name) return nfd;
  const nfc = name.normalize('NFC');
  return nfc === name ? undefined : nfc;
}

export function detectFolding(root: string, lstat: Lstat = bigLstat, maxEntries = MAX_ENTRIES): Folding {
  const found: Folding = {};
  const folders = [''];
  let budget = maxEntries;
  while (folders.length && budget > 0 && (found.case === undefined || found.unicode === undefined)) {
    const rel = folders.shift()!;
    const entries = readNames(path.join(root, rel), budget);
    budget -= entries.length;
    const names = new Set(entries.map((e) => e.name));
    for (const { name, dir } of entries) {
      if (found.case === undefined) found.case = folds(root, rel, name, flipCase(name), names, lstat);
      if (found.unicode === undefined) found.unicode = folds(root, rel, name, otherNormalForm(name), names, lstat);
      if (dir) folders.push(rel ? `${rel}/${name}` : name);
    }
  }
  return found;
}

function readNames(dir: string, max: number): Array<{ name: string; dir: boolean }> {
  const out: Array<{ name: string; dir: boolean }> = [];
  let handle;
  try {
    handle = opendirSync(dir);
  } catch {
    return out;
  }
  try {
    for (let e = handle.readSync(); e && out.length < max; e = handle.readSync()) out.push({ name: e.name, dir: e.isDirectory() });
  } catch {
    // a folder that cannot be read tells nothing; the walk names it as a gap
  } finally {
    handle.closeSync();
  }
  return out;
}

/** Whether looking up `variant` finds the entry `name` itself (undefined: cannot tell by this name). */
function folds(root: string, rel: string, name: string, variant: string | undefined, listed: Set<string>, lstat: Lstat): boolean | undefined {
  if (variant === undefined) return undefined;
  // both spellings listed: two entries, so the filesystem tells them apart
  if (listed.has(variant)) return false;
  let a;
  let b;
  try {
    a = lstat(path.join(root, rel, name));
  } catch {
    return undefined;
  }
  try {
    b = lstat(path.join(root, rel, variant));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? false : undefined;
  }
  return a.dev === b.dev && a.ino === b.ino;
}

/** What a detect says about a folding filesystem, and why delete refuses it. */
export function foldingWarning(root: string, f: Folding): string | undefined {
  const what = [f.case ? 'letter case (A.jpg and a.jpg)' : '', f.unicode ? 'Unicode normalisation (NFC and NFD spellings of café.jpg)' : ''].filter(Boolean).join(' and ');
  if (!what) return undefined;
  return (
    `the media folder ${root} is on a filesystem that ignores ${what}: it serves a row's spelling from a file spelled otherwise, ` +
    'but keys are compared exactly, so such a file is reported an orphan (and its row may be reported missing) while it is in use. ' +
    'Review every orphan by hand; delete refuses this folder. Fix: audit a copy or mount of the folder on a filesystem that tells spellings apart (ext4, xfs, btrfs)'
  );
}
