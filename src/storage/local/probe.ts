/**
 * What one relative path is, looked at from the root down without following a link: every folder
 * on the way is lstat'ed, so a symlinked folder is never entered and nothing outside the root is
 * ever stat'ed. Only a regular file exists; a folder, a missing entry or a non-folder on the way is
 * absence; a link is reported as such; a refusal to look (EACCES) settles nothing.
 */
import { lstatSync, type Stats } from 'node:fs';
import path from 'node:path';
import { badRelative } from './grammar.js';

export type Probe =
  | { status: 'file'; stat: Stats }
  | { status: 'link'; stat: Stats }
  | { status: 'absent'; why: string }
  | { status: 'unknown'; reason: string };

/** Folders known to be real folders, per probe run; bounded so a huge check does not grow it forever. */
const MAX_KNOWN_FOLDERS = 100_000;

export class Prober {
  private readonly folders = new Map<string, 'folder' | Probe>();

  constructor(private readonly root: string) {}

  probe(rel: string): Probe {
    const bad = badRelative(rel);
    if (bad) return { status: 'absent', why: bad };
    const parts = rel.split('/');
    let dir = '';
    for (let i = 0; i < parts.length - 1; i++) {
      dir = dir ? `${dir}/${parts[i]}` : parts[i]!;
      const known = this.folder(dir);
      if (known !== 'folder') return known.status === 'link' ? known : known.status === 'file' ? { status: 'absent', why: `${dir} is a file` } : known;
    }
    return this.look<Probe>(rel, (stat) => (stat.isFile() ? { status: 'file', stat } : stat.isDirectory() ? { status: 'absent', why: 'a folder, not a file' } : { status: 'absent', why: 'not a regular file' }));
  }

  private folder(dir: string): 'folder' | Probe {
    const cached = this.folders.get(dir);
    if (cached !== undefined) return cached;
    const answer = this.look<'folder' | Probe>(dir, (stat) => (stat.isDirectory() ? 'folder' : stat.isFile() ? { status: 'file', stat } : { status: 'absent', why: `${dir} is not a folder` }));
    if (this.folders.size >= MAX_KNOWN_FOLDERS) this.folders.clear();
    this.folders.set(dir, answer);
    return answer;
  }

  private look<T>(rel: string, judge: (stat: Stats) => T): T | Probe {
    let stat: Stats;
    try {
      stat = lstatSync(path.join(this.root, rel));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      if (code === 'ENOENT' || code === 'ENOTDIR') return { status: 'absent', why: code };
      return { status: 'unknown', reason: `${rel}: ${code}` };
    }
    if (stat.isSymbolicLink()) return { status: 'link', stat };
    return judge(stat);
  }

  /** Forget what is known (before a last check: folders may have changed). */
  reset(): void {
    this.folders.clear();
  }
}
