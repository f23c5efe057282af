/**
 * A local media folder (Django's MEDIA_ROOT and the like) as a storage backend. One partition
 * (`file/local`); a file's key is its path relative to the root, `/`-separated, compared exactly
 * (case and Unicode spelling as stored). Listing walks the tree a page at a time (walk.ts);
 * lookups look from the root down without following links (probe.ts); delete moves files into a
 * quarantine with a manifest (quarantine.ts) and `upload` moves them back (restore).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, lstatSync, opendirSync, type Stats } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { appendDurably } from '../../files/safe-write.js';
import type { BackupEntry } from '../../delete/backup.js';
import type { ReferenceGrammar, StorageBackend, StorageLimits } from '../backend.js';
import { StorageError } from '../errors.js';
import type { DeleteOutcome, ListPage, ListPageRequest, Partition, StoredAsset } from '../types.js';
import { localGrammar, parseMediaUrl } from './grammar.js';
import { Prober } from './probe.js';
import { defaultTrash, moveNoClobber, refuseUnsafeRoot, removeRun, sha256File, staleRuns } from './quarantine.js';
import { LOCAL_REPORT } from './report.js';
import { FolderWalk } from './walk.js';
import { foldingWarning, type Folding } from './folding.js';
import { refusal } from '../../errors.js';
import { LOCAL_PARTITION } from './partition.js';

export { LOCAL_PARTITION };

/**
 * Files per listing page (a page is stat'ed synchronously: this bounds the event loop's wait),
 * paths per lookup call, files per delete call (each is hashed and moved before the next).
 */
const LIMITS: StorageLimits = { pageSize: 1000, lookupBatch: 1000, deleteBatch: 100, headConcurrency: 8 };

/** Walks left open by a listing that was not read to its end are dropped past this many. */
const MAX_OPEN_WALKS = 64;

export interface LocalOptions {
  /** The media folder, absolute and resolved (no symlink in it). */
  root: string;
  mediaUrl?: string;
  hosts: string[];
  /** Where delete() moves files (a run's own folder); set only for a delete. */
  quarantine?: string;
  /** Whether the root's filesystem folds case or Unicode normalisation (folding.ts), as seen at open. */
  folding?: Folding;
}

export const formatOf = (rel: string): string => {
  const base = rel.slice(rel.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
};

/**
 * A file's stable id: its path and identity (device, inode, mtime). A file put under the same path
 * since has another inode or mtime, so its id differs; the path in it lets delete() find the file
 * with no state carried between calls.
 */
type Identity = Pick<Stats, 'dev' | 'ino' | 'mtimeMs'>;
const identityOf = (stat: Identity): string => `${stat.dev}:${stat.ino}:${stat.mtimeMs}`;
export const stableIdOf = (rel: string, stat: Identity, link = false): string => `${rel}@${link ? 'link:' : ''}${identityOf(stat)}`;

function parseStableId(id: string): { rel: string; identity: string } | undefined {
  const at = id.lastIndexOf('@');
  return at > 0 ? { rel: id.slice(0, at), identity: id.slice(at + 1) } : undefined;
}

/**
 * A listed file. Its id and URL are made when asked (only orphans are asked): a million files
 * are walked without a million URLs.
 */
class LocalFile implements StoredAsset {
  readonly resourceType = LOCAL_PARTITION.resourceType;
  readonly type = LOCAL_PARTITION.type;
  readonly bytes: number;
  readonly createdAt: string;
  private id?: string;
  // the numbers the id is made of, not the Stats object (four Dates each)
  private readonly dev: number;
  private readonly ino: number;
  private readonly mtimeMs: number;

  constructor(
    readonly publicId: string,
    stat: Stats,
    private readonly folder: { urlOf(rel: string): string },
  ) {
    this.bytes = stat.size;
    this.createdAt = new Date(stat.mtimeMs).toISOString();
    this.dev = stat.dev;
    this.ino = stat.ino;
    this.mtimeMs = stat.mtimeMs;
  }

  get assetId(): string {
    return (this.id ??= stableIdOf(this.publicId, { dev: this.dev, ino: this.ino, mtimeMs: this.mtimeMs }));
  }

  set assetId(id: string) {
    this.id = id;
  }

  get format(): string {
    return formatOf(this.publicId);
  }

  get secureUrl(): string {
    return this.folder.urlOf(this.publicId);
  }

  /** A plain object (what a page holds when it is written out, e.g. a checkpoint or a spool). */
  toJSON(): StoredAsset {
    return { publicId: this.publicId, resourceType: this.resourceType, type: this.type, assetId: this.assetId, format: this.format, bytes: this.bytes, createdAt: this.createdAt, secureUrl: this.secureUrl };
  }
}

export class LocalFolder implements StorageBackend {
  readonly name = 'local';
  readonly partitions: readonly Partition[] = [LOCAL_PARTITION];
  readonly limits = LIMITS;
  readonly report = LOCAL_REPORT;
  readonly listOrder = 'unordered' as const;
  readonly listsLocally = true;
  // a stat answers "is it there" exactly and can say "cannot tell" (EACCES): the HEAD-style check
  readonly preferredVerify = 'head' as const;
  readonly grammar: ReferenceGrammar;
  readonly account: string;
  calls = 0;
  heads = 0;
  private readonly walks = new Map<string, FolderWalk>();
  private readonly prober: Prober;
  private readonly urlBase: string | undefined;
  /** Said once, on the first listing page: the filesystem folds spellings that keys keep apart. */
  private foldingNote: string | undefined;

  constructor(readonly options: LocalOptions) {
    this.account = options.root;
    this.grammar = localGrammar({ root: options.root, mediaUrl: options.mediaUrl, hosts: options.hosts });
    this.prober = new Prober(options.root);
    const media = parseMediaUrl(options.mediaUrl);
    this.urlBase = !media.path ? undefined : media.origin ? `${media.origin}${media.path}` : options.hosts[0] ? `https://${options.hosts[0]}${media.path}` : media.path;
    this.foldingNote = options.folding && foldingWarning(options.root, options.folding);
    if (options.quarantine) {
      refuseUnsafeRoot(options.root, options.quarantine);
      // an orphan's exact spelling proves nothing where another spelling of it is served
      if (this.foldingNote) throw refusal(`refusing to delete from ${options.root}: ${this.foldingNote}`);
    }
  }

  /** Where delete() moves files, when this backend was opened for a delete. */
  get quarantine(): string | undefined {
    return this.options.quarantine;
  }

  urlOf(rel: string): string {
    return this.urlBase === undefined ? '' : this.urlBase + rel.split('/').map(encodeURIComponent).join('/');
  }

  private asset(rel: string, stat: Stats): StoredAsset {
    return new LocalFile(rel, stat, this);
  }

  async listPage(req: ListPageRequest): Promise<ListPage> {
    this.calls++;
    let walk: FolderWalk | undefined;
    let cursor = req.cursor;
    if (cursor) {
      walk = this.walks.get(cursor);
      if (!walk) throw new StorageError('bad_request', `local folder: the listing cursor ${cursor} is not open in this process (a folder walk cannot resume in another run); start the scan again`);
    } else {
      walk = new FolderWalk(this.options.root, req.prefix ?? '');
      cursor = randomUUID();
      if (this.walks.size >= MAX_OPEN_WALKS) this.dropOldestWalk();
      this.walks.set(cursor, walk);
    }
    const page = walk.next(Math.min(req.maxResults, LIMITS.pageSize));
    const out: ListPage = { assets: page.files.map((f) => this.asset(f.rel, f.stat)) };
    if (page.apart.length) out.apart = page.apart;
    if (page.gaps.length) out.gaps = page.gaps;
    if (this.foldingNote) {
      page.notes.unshift(this.foldingNote);
      this.foldingNote = undefined;
    }
    if (page.notes.length) out.notes = page.notes;
    if (walk.done) {
      walk.close();
      this.walks.delete(cursor);
    } else out.nextCursor = cursor;
    return out;
  }

  private dropOldestWalk(): void {
    const [key, walk] = this.walks.entries().next().value!;
    walk.close();
    this.walks.delete(key);
  }

  async lookup(partition: Partition, ids: string[]): Promise<StoredAsset[]> {
    this.calls++;
    if (ids.length > LIMITS.lookupBatch) throw new StorageError('bad_request', `local folder: ${ids.length} paths in one lookup, more than ${LIMITS.lookupBatch}`);
    if (partition.resourceType !== LOCAL_PARTITION.resourceType || partition.type !== LOCAL_PARTITION.type) return [];
    // every lookup looks afresh: a delete's last check must not trust what an earlier one saw
    this.prober.reset();
    const found: StoredAsset[] = [];
    for (const rel of ids) {
      const p = this.prober.probe(rel);
      if (p.status === 'unknown') throw new StorageError('server', `local folder: cannot look at ${p.reason}`);
      if (p.status === 'absent') continue;
      const a = this.asset(rel, p.stat);
      if (p.status === 'link') a.assetId = stableIdOf(rel, p.stat, true);
      found.push(a);
    }
    return found;
  }

  async head(partition: Partition, rel: string): Promise<{ status: 'exists' } | { status: 'absent' } | { status: 'unknown'; reason: string }> {
    this.heads++;
    if (partition.resourceType !== LOCAL_PARTITION.resourceType || partition.type !== LOCAL_PARTITION.type) return { status: 'absent' };
    const p = this.prober.probe(rel);
    // a link is the web server's business: the reference is served, whatever it points at
    if (p.status === 'file' || p.status === 'link') return { status: 'exists' };
    if (p.status === 'absent') return { status: 'absent' };
    return { status: 'unknown', reason: `cannot look at ${p.reason}` };
  }

  /**
   * Moves each file into the quarantine, after one more look right before it: only a regular file
   * with the identity the last check saw (same inode, mtime, size) is moved.
   */
  async delete(stableIds: string[]): Promise<DeleteOutcome[]> {
    this.calls++;
    const quarantine = this.options.quarantine;
    if (!quarantine) throw new StorageError('bad_request', 'local folder: opened without a quarantine, so nothing can be moved');
    if (stableIds.length > LIMITS.deleteBatch) throw new StorageError('bad_request', `local folder: ${stableIds.length} files in one delete, more than ${LIMITS.deleteBatch}`);
    const out: DeleteOutcome[] = [];
    for (const id of stableIds) out.push({ assetId: id, outcome: this.quarantineOne(id, quarantine) });
    return out;
  }

  private quarantineOne(id: string, quarantine: string): string {
    const parsed = parseStableId(id);
    if (!parsed) return 'not a stable id of this folder';
    const { rel, identity } = parsed;
    this.prober.reset();
    const before = this.prober.probe(rel);
    if (before.status === 'absent') return 'not_found';
    if (before.status !== 'file') return before.status === 'link' ? 'is a symlink now' : `cannot look (${before.reason})`;
    if (identityOf(before.stat) !== identity) return 'changed since the last check';
    const from = path.join(this.options.root, rel);
    const to = path.join(quarantine, rel);
    if (existsSync(to)) return `the quarantine holds ${rel} already`;
    const sha256 = sha256File(from);
    const after = lstatSync(from);
    if (identityOf(after) !== identity || after.size !== before.stat.size) return 'changed while being hashed';
    const mtime = new Date(before.stat.mtimeMs).toISOString();
    const entry: BackupEntry & { path: string; size: number; mtime: string } = {
      cloudName: this.account,
      publicId: rel,
      resourceType: LOCAL_PARTITION.resourceType,
      type: LOCAL_PARTITION.type,
      format: formatOf(rel),
      bytes: before.stat.size,
      sha256,
      assetId: id,
      createdAt: mtime,
      file: rel,
      backedUpAt: new Date().toISOString(),
      path: rel,
      size: before.stat.size,
      mtime,
    };
    // the manifest line first: a crash after it leaves a line whose file restore reports missing,
    // never a quarantined file nobody knows about
    appendDurably(path.join(quarantine, 'manifest.jsonl'), JSON.stringify(entry) + '\n');
    if (moveNoClobber(from, to, before.stat) === 'exists') return `the quarantine holds ${rel} already`;
    return 'deleted';
  }

  downloadUrl(asset: StoredAsset): string {
    return pathToFileURL(path.join(this.options.root, asset.publicId)).href;
  }

  /** Restore: moves a quarantined file back under its old path, never over anything. */
  async upload(file: string, asset: { publicId: string; resourceType: string; type: string }): Promise<Record<string, unknown>> {
    const rel = asset.publicId;
    const p = this.prober.probe(rel);
    this.prober.reset();
    if (p.status === 'unknown') throw new Error(`cannot look at ${p.reason}`);
    if (p.status === 'file' || p.status === 'link') return { existing: true, asset_id: stableIdOf(rel, p.stat) };
    if (p.why !== 'ENOENT') throw new Error(`${rel} cannot be put back: ${p.why}`);
    // a folder on the way may be missing (it is created) but never a link out of the root
    const source = lstatSync(file);
    const to = path.join(this.options.root, rel);
    if (moveNoClobber(file, to, source) === 'exists') return { existing: true };
    const now = lstatSync(to);
    return { bytes: now.size, asset_id: stableIdOf(rel, now) };
  }

  /** doctor: the root is a folder this process can list. */
  async ping(): Promise<void> {
    const stat = lstatSync(this.options.root);
    if (!stat.isDirectory()) throw new StorageError('not_found', `${this.options.root} is not a folder`);
    try {
      opendirSync(this.options.root).closeSync();
    } catch (err) {
      throw new StorageError('not_found', `${this.options.root} cannot be listed (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }

  /** Quarantine runs older than `days` beside the root (the default quarantine): listed, and removed when `execute`. */
  purge(days: number, execute: boolean, now = new Date()): string[] {
    const runs = staleRuns(defaultTrash(this.options.root), days, now);
    if (execute) for (const r of runs) removeRun(r.dir);
    return runs.map((r) => r.dir);
  }

  close(): void {
    for (const walk of this.walks.values()) walk.close();
    this.walks.clear();
  }
}
