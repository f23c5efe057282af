/**
 * One bucket's objects as S3 keeps them: keys in UTF-8 binary order (the order ListObjectsV2
 * returns), an ETag per object (MD5 of the bytes for a single-part upload), and on a versioned
 * bucket every version, a delete hiding the object behind a delete marker.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface S3Object {
  key: string;
  /** Bytes as stored; a generated object of `size` bytes keeps none until it is read. */
  body?: Buffer;
  size: number;
  /** Quoted, as S3 sends it: `"d41d8…"`. */
  etag: string;
  lastModified: Date;
  contentType: string;
  versionId?: string;
}

interface Version {
  versionId: string;
  object?: S3Object;
  /** A delete marker: the key is hidden, earlier versions stay. */
  deleteMarker?: true;
}

/** UTF-8 binary order, as S3 lists keys (JS string order is UTF-16 and differs above U+FFFF). */
export const compareKeys = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** The bytes of a generated object: deterministic, so its ETag is known without keeping it. */
export const generatedBody = (key: string, size: number): Buffer => {
  const seed = createHash('sha256').update(key).digest();
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = seed[i % seed.length]!;
  return out;
};

export const etagOf = (body: Buffer): string => `"${createHash('md5').update(body).digest('hex')}"`;

export class BucketStore {
  private readonly current = new Map<string, S3Object>();
  private readonly versions = new Map<string, Version[]>();
  private sorted: string[] | undefined;
  versioning = false;

  constructor(readonly name: string) {}

  get size(): number {
    return this.current.size;
  }

  get(key: string): S3Object | undefined {
    return this.current.get(key);
  }

  put(input: { key: string; body?: Buffer; size?: number; lastModified?: Date; contentType?: string }): S3Object {
    const body = input.body ?? generatedBody(input.key, input.size ?? 1024);
    const object: S3Object = {
      key: input.key,
      ...(input.body ? { body } : {}),
      size: body.length,
      etag: etagOf(body),
      // S3 keeps LastModified to the second in listings; the same value everywhere keeps HEAD and LIST equal
      lastModified: new Date(Math.floor((input.lastModified ?? new Date()).getTime() / 1000) * 1000),
      contentType: input.contentType ?? 'application/octet-stream',
    };
    if (this.versioning) {
      object.versionId = randomBytes(12).toString('base64url');
      this.history(input.key).push({ versionId: object.versionId, object });
    }
    if (!this.current.has(input.key)) this.sorted = undefined;
    this.current.set(input.key, object);
    return object;
  }

  /** Deletes the current version; on a versioned bucket writes a delete marker and returns its id. */
  delete(key: string): { deleteMarkerVersionId?: string } {
    const had = this.current.delete(key);
    if (had) this.sorted = undefined;
    if (!this.versioning) return {};
    const versionId = randomBytes(12).toString('base64url');
    this.history(key).push({ versionId, deleteMarker: true });
    return { deleteMarkerVersionId: versionId };
  }

  /** Every version of a key, oldest first (delete markers included). */
  versionsOf(key: string): ReadonlyArray<{ versionId: string; deleteMarker: boolean; etag?: string }> {
    return (this.versions.get(key) ?? []).map((v) => ({ versionId: v.versionId, deleteMarker: Boolean(v.deleteMarker), ...(v.object ? { etag: v.object.etag } : {}) }));
  }

  /** Removes a delete marker (the documented recovery): the newest version left becomes current again. */
  removeVersion(key: string, versionId: string): void {
    const list = this.versions.get(key) ?? [];
    const i = list.findIndex((v) => v.versionId === versionId);
    if (i < 0) return;
    list.splice(i, 1);
    const last = list.at(-1);
    if (last?.object) this.current.set(key, last.object);
    else this.current.delete(key);
    this.sorted = undefined;
  }

  clear(): void {
    this.current.clear();
    this.versions.clear();
    this.sorted = undefined;
  }

  /** Keys in list order; cached until a key is added or removed. */
  keys(): readonly string[] {
    this.sorted ??= [...this.current.keys()].sort(compareKeys);
    return this.sorted;
  }

  /** Index of the first key strictly after `marker` (binary search). */
  indexAfter(marker: string): number {
    const keys = this.keys();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(keys[mid]!, marker) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private history(key: string): Version[] {
    let list = this.versions.get(key);
    if (!list) this.versions.set(key, (list = []));
    return list;
  }
}
