/**
 * The ImageKit backend over the official @imagekit/nodejs SDK. One partition (the media library);
 * a file's key is its filePath without the leading '/', its stable id the fileId. Listing is the
 * List and Search Assets API made exact by pager.ts; lookups search by name and keep exact path
 * matches; deletes go by fileId through the bulk API (≤ 100). Every API call goes through the
 * rate guard (guard.ts), a deadline and bounded retries; the SDK's own retries are off so a 429
 * reaches the guard.
 */
import { createReadStream } from 'node:fs';
import ImageKit, { toFile } from '@imagekit/nodejs';
import type { ReferenceGrammar, StorageBackend, StorageLimits } from '../backend.js';
import { StorageError } from '../errors.js';
import type { Budget, DeleteOutcome, ListPage, ListPageRequest, Partition, StoredAsset } from '../types.js';
import type { ImageKitCredentials } from './config.js';
import { imageKitGrammar } from './grammar/index.js';
import { keyOfPath } from './grammar/parse.js';
import { ImageKitGuard } from './guard.js';
import { decodeCursor, encodeCursor, nextPage, type ApiFile, type FetchPage } from './pager.js';
import { IMAGEKIT_PARTITION } from './partition.js';
import { IMAGEKIT_REPORT } from './report.js';

/** The list API's page maximum; bulk delete's maximum (API reference). */
export const LIST_PAGE_SIZE = 1000;
export const DELETE_BATCH = 100;
/** Paths per lookup: one `name IN [...]` search. */
export const LOOKUP_BATCH = 100;
/** Lifetime of a signed download URL: long enough for one download, short if it leaks. */
export const DOWNLOAD_URL_TTL_S = 600;

const LIMITS: StorageLimits = { pageSize: LIST_PAGE_SIZE, lookupBatch: LOOKUP_BATCH, deleteBatch: DELETE_BATCH };

export interface RetryOptions {
  attempts: number;
  baseDelayMs: number;
  deadlineMs: number;
}

export interface ImageKitOptions {
  credentials: ImageKitCredentials;
  hosts?: readonly string[];
  guard: ImageKitGuard;
  retry?: Partial<RetryOptions>;
  onRetry?: (message: string) => void;
}

const quote = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function toAsset(f: ApiFile): StoredAsset {
  if (typeof f.fileId !== 'string' || typeof f.filePath !== 'string') throw new StorageError('invalid_response', 'ImageKit answered a file without fileId or filePath');
  const dot = f.filePath.lastIndexOf('.');
  return {
    publicId: keyOfPath(f.filePath),
    resourceType: IMAGEKIT_PARTITION.resourceType,
    type: IMAGEKIT_PARTITION.type,
    assetId: f.fileId,
    format: dot > f.filePath.lastIndexOf('/') ? f.filePath.slice(dot + 1).toLowerCase() : undefined,
    bytes: typeof f.size === 'number' ? f.size : 0,
    createdAt: f.createdAt,
    // a new version keeps the fileId and createdAt: updatedAt tells it apart (the last check compares it)
    ...(typeof f.updatedAt === 'string' && !Number.isNaN(Date.parse(f.updatedAt)) ? { version: Date.parse(f.updatedAt) } : {}),
    secureUrl: typeof f.url === 'string' ? f.url : undefined,
  };
}

/** The SDK's errors as the store's kinds; messages carry no credentials. */
function normalise(err: unknown, what: string): unknown {
  if (err instanceof StorageError) return err;
  if (err instanceof ImageKit.APIConnectionTimeoutError) return new StorageError('timeout', `${what}: no answer in time`);
  if (err instanceof ImageKit.APIConnectionError) return new StorageError('network', `${what}: ${err.message}`);
  if (err instanceof ImageKit.APIError) {
    const s = err.status ?? 0;
    const kind = s === 401 || s === 403 ? 'auth' : s === 404 ? 'not_found' : s === 429 ? 'rate_limited' : s >= 500 ? 'server' : 'bad_request';
    return new StorageError(kind, `${what}: ImageKit answered ${err.message}`, s);
  }
  return err;
}

export class ImageKitStorage implements StorageBackend {
  readonly name = 'imagekit';
  readonly partitions: readonly Partition[] = [IMAGEKIT_PARTITION];
  readonly limits = LIMITS;
  readonly report = IMAGEKIT_REPORT;
  // oldest first, and --days is asked of the server: nothing older arrives, nothing is cut
  readonly listOrder = 'unordered';
  readonly grammar: ReferenceGrammar;
  calls = 0;
  retries = 0;
  private readonly sdk: ImageKit;
  private readonly retry: RetryOptions;

  constructor(private readonly o: ImageKitOptions) {
    this.retry = { attempts: 5, baseDelayMs: 500, deadlineMs: 60_000, ...o.retry };
    this.sdk = new ImageKit({ privateKey: o.credentials.privateKey, ...(o.credentials.baseURL ? { baseURL: o.credentials.baseURL } : {}), maxRetries: 0, timeout: this.retry.deadlineMs, logLevel: 'off' });
    this.grammar = imageKitGrammar({ urlEndpointId: o.credentials.urlEndpointId, hosts: o.hosts });
  }

  get account(): string {
    return this.o.credentials.urlEndpointId;
  }

  get budget(): Budget | undefined {
    return this.o.guard.budget;
  }

  close(): void {}

  /** One API call: paced by the guard, retried on 429 (after the announced reset) and on transient failures. */
  private async call<T>(what: string, run: () => Promise<{ data: T; response: { headers: Headers } }>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.o.guard.acquire();
      this.calls++;
      try {
        const { data, response } = await run();
        this.o.guard.observe(response.headers);
        return data;
      } catch (raw) {
        if (raw instanceof ImageKit.RateLimitError) {
          // throws BudgetExhausted when the wait is too long; else the next acquire() waits
          this.o.guard.rateLimited(raw.headers);
          // still refused after every attempt: a stop (checkpoint, resume), never a failure
          if (attempt >= this.retry.attempts) throw this.o.guard.refused(what, attempt);
          this.retries++;
          this.o.onRetry?.(`${what}: 429, retry ${attempt} after the reset`);
          continue;
        }
        if (raw instanceof ImageKit.APIError) this.o.guard.observe(raw.headers);
        const err = normalise(raw, what);
        if (err instanceof StorageError && err.retryable && attempt < this.retry.attempts) {
          const delay = Math.round(Math.random() * this.retry.baseDelayMs * 2 ** (attempt - 1));
          this.retries++;
          this.o.onRetry?.(`${err.message} — retry ${attempt} in ${(delay / 1000).toFixed(1)} s`);
          await new Promise((r) => setTimeout(r, delay));
          continue;
        }
        throw err;
      }
    }
  }

  private readonly fetchPage: FetchPage = (q) =>
    this.call('list files', () => this.sdk.assets.list({ sort: 'ASC_CREATED', type: 'file', skip: q.skip, limit: q.limit, ...(q.searchQuery ? { searchQuery: q.searchQuery } : {}) }).withResponse()) as Promise<ApiFile[]>;

  async listPage(req: ListPageRequest): Promise<ListPage> {
    const prefix = req.prefix ?? '';
    const dir = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    // the folder holding the prefix, subfolders included; the prefix itself is matched here
    const clauses = dir ? [`path : ${quote(`/${dir}`)}`] : [];
    const state = req.cursor ? decodeCursor(req.cursor) : undefined;
    const page = await nextPage(this.fetchPage, clauses, req.since?.getTime(), state, Math.min(req.maxResults, LIST_PAGE_SIZE));
    const assets = page.files.map(toAsset).filter((a) => a.publicId.startsWith(prefix));
    return { assets, nextCursor: page.next ? encodeCursor(page.next) : undefined };
  }

  /** The files at these keys: one name search, exact path matches kept. */
  async lookup(_partition: Partition, keys: string[]): Promise<StoredAsset[]> {
    if (keys.length === 0) return [];
    if (keys.length > LOOKUP_BATCH) throw new Error(`lookup takes at most ${LOOKUP_BATCH} keys`);
    const wanted = new Set(keys);
    const names = [...new Set(keys.map((k) => k.slice(k.lastIndexOf('/') + 1)))];
    const clauses = [`name IN [${names.map(quote).join(', ')}]`];
    const out: StoredAsset[] = [];
    let state;
    do {
      const page = await nextPage(this.fetchPage, clauses, undefined, state, LIST_PAGE_SIZE);
      for (const f of page.files) {
        const a = toAsset(f);
        if (wanted.has(a.publicId)) out.push(a);
      }
      state = page.next;
    } while (state);
    return out;
  }

  /**
   * Deletes by fileId. The bulk API deletes nothing when one id is missing (404 with
   * missingFileIds): those are `not_found`, and the rest is sent again. Deleting a file deletes
   * all its versions.
   */
  async delete(fileIds: string[]): Promise<DeleteOutcome[]> {
    if (fileIds.length > DELETE_BATCH) throw new Error(`delete takes at most ${DELETE_BATCH} ids`);
    const outcome = new Map<string, string>();
    let pending = [...new Set(fileIds)];
    while (pending.length > 0) {
      const ids = pending;
      const res = await this.call<{ successfullyDeletedFileIds?: string[] } | { missingFileIds: string[] }>('delete by fileId', async () => {
        try {
          return await this.sdk.files.bulk.delete({ fileIds: ids }).withResponse();
        } catch (err) {
          // retrying is safe: a fileId names one file for ever; the missing ones are an answer, not a failure
          const missing = (err as { error?: { missingFileIds?: unknown } }).error?.missingFileIds;
          if (err instanceof ImageKit.NotFoundError && Array.isArray(missing) && missing.length > 0) return { data: { missingFileIds: missing as string[] }, response: { headers: err.headers } };
          throw err;
        }
      });
      if ('missingFileIds' in res) {
        const missing = new Set(res.missingFileIds);
        for (const id of ids) if (missing.has(id)) outcome.set(id, 'not_found');
        pending = ids.filter((id) => !missing.has(id));
        if (pending.length === ids.length) throw new StorageError('invalid_response', 'ImageKit named missing files that were not asked for');
      } else {
        const done = new Set(res.successfullyDeletedFileIds ?? []);
        for (const id of ids) outcome.set(id, done.has(id) ? 'deleted' : 'unknown');
        pending = [];
      }
    }
    return fileIds.map((id) => ({ assetId: id, outcome: outcome.get(id) ?? 'unknown' }));
  }

  /** A signed delivery URL of the original (works for private files too); it expires after DOWNLOAD_URL_TTL_S. */
  downloadUrl(asset: StoredAsset): string {
    return this.sdk.helper.buildSrc({ urlEndpoint: this.o.credentials.urlEndpoint, src: `/${asset.publicId}`, expiresIn: DOWNLOAD_URL_TTL_S });
  }

  /**
   * Uploads a file at its key (restore): never over an existing file (`existing: true` then, with
   * that file's id), never under another name (ImageKit rewrites some characters: said so).
   */
  async upload(file: string, asset: { publicId: string }): Promise<Record<string, unknown>> {
    const slash = asset.publicId.lastIndexOf('/');
    const fileName = asset.publicId.slice(slash + 1);
    const folder = slash < 0 ? '/' : `/${asset.publicId.slice(0, slash)}`;
    let result;
    try {
      result = await this.sdk.files.upload({ file: await toFile(createReadStream(file), fileName), fileName, folder, useUniqueFileName: false, overwriteFile: false });
    } catch (err) {
      if (err instanceof ImageKit.BadRequestError) {
        const [existing] = await this.lookup(IMAGEKIT_PARTITION, [asset.publicId]);
        if (existing) return { existing: true, asset_id: existing.assetId };
      }
      throw normalise(err, `upload ${asset.publicId}`);
    }
    if (result.filePath !== `/${asset.publicId}`) throw new StorageError('bad_request', `upload ${asset.publicId}: ImageKit stored it as ${String(result.filePath)}`);
    return { asset_id: result.fileId, bytes: result.size, file_path: result.filePath };
  }

  async ping(): Promise<void> {
    await this.call('list files', () => this.sdk.assets.list({ limit: 1 }).withResponse());
  }
}
