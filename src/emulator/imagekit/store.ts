/**
 * The emulated media library: files by fileId, each with its versions, kept in the order the
 * list API sorts by default (createdAt ascending; ties by fileId, a stable total order).
 */
import { createHash } from 'node:crypto';

export interface IkVersion {
  versionId: string;
  createdAt: number;
  size: number;
  data?: Buffer;
}

export interface IkFile {
  fileId: string;
  name: string;
  /** `/folder/a.jpg`: always starts with '/'. */
  filePath: string;
  createdAt: number;
  updatedAt: number;
  size: number;
  mime: string;
  isPrivateFile: boolean;
  /** Current version first. */
  versions: IkVersion[];
  data?: Buffer;
}

/** What a test or the bench hands in; everything but the path has a default. */
export interface IkFileInput {
  filePath: string;
  fileId?: string;
  createdAt?: Date | string | number;
  size?: number;
  isPrivateFile?: boolean;
  data?: Buffer;
}

const MIME: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', svg: 'image/svg+xml', pdf: 'application/pdf', mp4: 'video/mp4' };

export const mimeOf = (name: string): string => MIME[name.slice(name.lastIndexOf('.') + 1).toLowerCase()] ?? 'application/octet-stream';

/** 24 hex digits, like ImageKit's ids; derived from a seed so runs replay. */
export const hexId = (seed: string): string => createHash('sha1').update(seed).digest('hex').slice(0, 24);

export class FileStore {
  private readonly byId = new Map<string, IkFile>();
  private ordered: IkFile[] = [];
  private dirty = false;
  private serial = 0;

  get size(): number {
    return this.byId.size;
  }

  add(input: IkFileInput, now: number): IkFile {
    const filePath = input.filePath.startsWith('/') ? input.filePath : `/${input.filePath}`;
    const createdAt = input.createdAt === undefined ? now : new Date(input.createdAt).getTime();
    const fileId = input.fileId ?? hexId(`${filePath}#${createdAt}#${this.serial++}`);
    const size = input.data?.length ?? input.size ?? 1024;
    const file: IkFile = {
      fileId,
      name: filePath.slice(filePath.lastIndexOf('/') + 1),
      filePath,
      createdAt,
      updatedAt: createdAt,
      size,
      mime: mimeOf(filePath),
      isPrivateFile: input.isPrivateFile ?? false,
      versions: [{ versionId: fileId, createdAt, size }],
      data: input.data,
    };
    this.byId.set(fileId, file);
    this.ordered.push(file);
    this.dirty = true;
    return file;
  }

  get(fileId: string): IkFile | undefined {
    return this.byId.get(fileId);
  }

  byPath(filePath: string): IkFile | undefined {
    for (const f of this.byId.values()) if (f.filePath === filePath) return f;
    return undefined;
  }

  remove(fileId: string): boolean {
    if (!this.byId.delete(fileId)) return false;
    this.ordered = this.ordered.filter((f) => f.fileId !== fileId);
    return true;
  }

  removeMany(ids: readonly string[]): void {
    const gone = new Set(ids.filter((id) => this.byId.delete(id)));
    if (gone.size) this.ordered = this.ordered.filter((f) => !gone.has(f.fileId));
  }

  /** createdAt ascending, ties by fileId. */
  all(): readonly IkFile[] {
    if (this.dirty) {
      this.ordered.sort((a, b) => a.createdAt - b.createdAt || (a.fileId < b.fileId ? -1 : a.fileId > b.fileId ? 1 : 0));
      this.dirty = false;
    }
    return this.ordered;
  }

  clear(): void {
    this.byId.clear();
    this.ordered = [];
  }
}

/** Stand-in bytes of a file without data of its own: the same for the same file, every time. */
export function bytesOf(f: IkFile): Buffer {
  if (f.data) return f.data;
  const seed = createHash('sha256').update(f.fileId).digest();
  const out = Buffer.alloc(f.size);
  for (let i = 0; i < out.length; i += seed.length) seed.copy(out, i);
  return out;
}
