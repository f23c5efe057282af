/**
 * StorageClient over the official Cloudinary SDK: every Admin API call goes through the
 * rate-limit guard, a deadline, bounded retries, and error normalisation.
 */
import type http from 'node:http';
import type { CloudinaryCredentials } from '../../config/cloudinary-url.js';
import type { AccountUsage, Budget, DeleteOutcome, ListPage, ListPageRequest, ListTarget, Partition, SearchPage, SearchPageRequest, StorageClient, StoredAsset } from '../types.js';
import type { ReferenceGrammar, StorageBackend, StorageLimits } from '../backend.js';
import { CLOUDINARY_REPORT } from './report.js';
import { cloudinaryGrammar } from './grammar/index.js';
import { CLOUDINARY_PARTITIONS } from './partitions.js';
import { abortable, trackingAgent } from './agent.js';
import { normaliseSdkError, StorageError } from './errors.js';
import { BudgetExhausted, RateLimitGuard } from './guard.js';
import { DEFAULT_RETRY, retrying, withDeadline, type RetryPolicy } from './retry.js';
import { HEAD_CONCURRENCY, HeadProbe, type HeadOutcome } from './head.js';
import { AdaptiveLimiter, DEFAULT_CONCURRENCY, MAX_CONCURRENCY, type CallOutcome, type LimiterStats } from '../limiter.js';

/** Cloudinary's hard limits (Admin API reference). */
export const LIST_PAGE_SIZE = 500;
export const LOOKUP_BATCH = 100;
export const DELETE_BATCH = 100;
/**
 * Admin API calls in flight at once (--concurrency, DEFAULT_CONCURRENCY = 16). The budget counts
 * calls, not connections, so this trades wall time only. Measured at 150 ms a call and 100,000
 * assets (README, Benchmark): 16 keeps the windows' extra calls under 5 % (1.045x the minimum);
 * 32 was about 10 % faster on the loaded 2-core machine (the runs are CPU-bound) for 1.07x the
 * calls; 8 leaves the parallel bound at twice 16's. Cloudinary documents no per-connection limit;
 * the limiter halves the calls in flight on any throttle, 5xx or slowdown.
 */
export { DEFAULT_CONCURRENCY };
/** Keep-alive sockets to the API; more than the concurrency limits ever use at once. */
const MAX_SOCKETS = MAX_CONCURRENCY + 8;
/** Lifetime of a signed download URL: long enough for one download, short if it leaks. */
export const DOWNLOAD_URL_TTL_S = 600;

type SdkUtils = {
  private_download_url(publicId: string, format: string, options: Record<string, unknown>): string;
};
type SdkUrl = (publicId: string, options: Record<string, unknown>) => string;
type SdkUploader = {
  upload(file: string, options: Record<string, unknown>): Promise<Record<string, unknown>>;
};

type SdkApi = {
  resources(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  resources_by_ids(ids: string[], options: Record<string, unknown>): Promise<Record<string, unknown>>;
  delete_resources_by_asset_ids(ids: string[], options: Record<string, unknown>): Promise<Record<string, unknown>>;
  ping(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  usage(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  search(params: Record<string, unknown>, options: Record<string, unknown>): Promise<Record<string, unknown>>;
};

const LIMITS: StorageLimits = { pageSize: LIST_PAGE_SIZE, lookupBatch: LOOKUP_BATCH, deleteBatch: DELETE_BATCH, headConcurrency: HEAD_CONCURRENCY, listsFrom: true };

export interface CloudinaryClientOptions {
  credentials: CloudinaryCredentials;
  /** Extra delivery hosts (CNAME / secure_distribution) whose URLs name this account's files. */
  hosts?: string[];
  guard: RateLimitGuard;
  retry?: Partial<RetryPolicy>;
  onRetry?: (message: string) => void;
  /** Admin API calls in flight at most (DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Told when the limiter lowers or raises the calls in flight. */
  onConcurrency?: (limit: number, why: string) => void;
}

export class CloudinaryStorage implements StorageClient, StorageBackend {
  readonly name = 'cloudinary';
  readonly partitions: readonly Partition[] = CLOUDINARY_PARTITIONS;
  readonly limits = LIMITS;
  readonly report = CLOUDINARY_REPORT;
  readonly grammar: ReferenceGrammar;
  calls = 0;
  retries = 0;
  private readonly policy: RetryPolicy;
  private readonly agent: http.Agent;
  private readonly limiter: AdaptiveLimiter;

  private constructor(
    private readonly api: SdkApi,
    private readonly sdk: { utils: SdkUtils; uploader: SdkUploader; url: SdkUrl },
    private readonly options: CloudinaryClientOptions,
  ) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    const prefix = options.credentials.params.upload_prefix ?? 'https://api.cloudinary.com';
    this.agent = trackingAgent(!prefix.startsWith('http:'), { keepAlive: true, maxSockets: MAX_SOCKETS });
    this.grammar = cloudinaryGrammar({ cloudName: options.credentials.cloudName, hosts: options.hosts });
    this.limiter = new AdaptiveLimiter(options.concurrency ?? DEFAULT_CONCURRENCY, { onChange: options.onConcurrency });
  }

  /** The calls in flight allowed now, the most and the lowest it went (the summary names a lowering). */
  get concurrency(): LimiterStats {
    return this.limiter.stats;
  }

  static async create(options: CloudinaryClientOptions): Promise<CloudinaryStorage> {
    const c = options.credentials;
    // The SDK picks http or https once, when it is first loaded, from CLOUDINARY_URL's upload_prefix.
    // (chosen by STORAGE_URL or --storage instead, CLOUDINARY_URL is set from it, query included, for that one choice)
    if (!process.env.CLOUDINARY_URL) {
      const query = new URLSearchParams(c.params).toString();
      process.env.CLOUDINARY_URL = `cloudinary://${encodeURIComponent(c.apiKey)}:${encodeURIComponent(c.apiSecret)}@${c.cloudName}${query ? `?${query}` : ''}`;
    }
    const sdk = (await import('cloudinary')).v2;
    sdk.config({ ...c.params, cloud_name: c.cloudName, api_key: c.apiKey, api_secret: c.apiSecret, hide_sensitive: true });
    return new CloudinaryStorage(sdk.api as unknown as SdkApi, sdk as unknown as { utils: SdkUtils; uploader: SdkUploader; url: SdkUrl }, options);
  }

  get cloudName(): string {
    return this.options.credentials.cloudName;
  }

  get account(): string {
    return this.options.credentials.cloudName;
  }

  /** Deletes by asset_id, Cloudinary's stable id. */
  delete(assetIds: string[]): Promise<DeleteOutcome[]> {
    return this.deleteByAssetIds(assetIds);
  }

  downloadUrl(asset: StoredAsset): string {
    return this.originalUrl(asset);
  }

  deliveryUrl(asset: { publicId: string; resourceType: string; type: string }, transformation: string, format: string): string {
    return this.signedDerivedUrl(asset, transformation, format);
  }

  get budget(): Budget | undefined {
    return this.options.guard.budget;
  }

  close(): void {
    this.agent.destroy();
    this.probe?.close();
  }

  private probe?: HeadProbe;

  /** HEAD requests made by head() (not Admin API calls: the guard never sees them). */
  get heads(): number {
    return this.probe?.requests ?? 0;
  }

  /**
   * Existence of one id in one partition by an HTTP HEAD, outside the Admin API budget (see
   * head.ts for what settles it). Never throws: an open question is `unknown`.
   */
  async head(partition: Partition, publicId: string, signal?: AbortSignal): Promise<HeadOutcome> {
    this.probe ??= new HeadProbe({ deadlineMs: this.policy.deadlineMs, onRetry: this.options.onRetry });
    const what = `${partition.resourceType}/${partition.type}/${publicId}`;
    let url: string;
    try {
      url = this.existenceUrl(partition, publicId);
    } catch (err) {
      return { status: 'unknown', reason: `HEAD ${what}: no URL (${(err as Error).message})` };
    }
    return this.probe.check(url, what, signal);
  }

  /**
   * The version component of every delivery URL a HEAD asks for: Cloudinary ignores its value, but
   * the CDN caches by URL, so a version no one asked for before reaches the origin. A cached 404
   * (asked for before the upload) or a cached 200 (deleted without invalidation) cannot answer.
   */
  private readonly headVersion = Math.floor(Date.now() / 1000);

  /**
   * The URL whose HEAD answers "does this id exist in this partition". A public (`upload`) asset:
   * its delivery URL, built by the SDK so CLOUDINARY_URL's `secure_distribution`, `cname` and
   * `private_cdn` apply (`secure=false` there builds plain-HTTP URLs, e.g. to a local proxy or the
   * emulator). Without an extension Cloudinary delivers the original as uploaded, so no
   * conversion is requested; raw ids carry their extension already. An image or video id whose
   * last segment has a dot (Cloudinary would read the rest as a format), an id that starts like a
   * version component (`v123/…`) or holds a '%', and every private or authenticated asset, goes
   * through the signed download URL instead, where the id is a query parameter and nothing is
   * ambiguous.
   */
  existenceUrl(partition: Partition, publicId: string): string {
    const last = publicId.slice(publicId.lastIndexOf('/') + 1);
    // the SDK decodes ids before encoding them, so a '%' would not survive the round trip
    const ambiguous = publicId.includes('%') || /^v\d+\//.test(publicId) || (partition.resourceType !== 'raw' && last.includes('.'));
    if (partition.type === 'upload' && !ambiguous) {
      return this.sdk.url(publicId, {
        resource_type: partition.resourceType,
        type: 'upload',
        secure: this.options.credentials.params.secure !== 'false',
        version: this.headVersion,
        urlAnalytics: false,
      });
    }
    return this.originalUrl({ publicId, resourceType: partition.resourceType, type: partition.type, bytes: 0, createdAt: '' });
  }

  async listPage(req: ListPageRequest): Promise<ListPage> {
    const { partition } = req;
    const result = await this.call(`list ${partition.resourceType}/${partition.type ?? '*'}`, (o) =>
      this.api.resources({
        ...o,
        resource_type: partition.resourceType,
        // without a type the API lists every delivery type of the resource type in one chain
        ...(partition.type ? { type: partition.type } : {}),
        max_results: Math.min(req.maxResults, LIST_PAGE_SIZE),
        ...(req.cursor ? { next_cursor: req.cursor } : {}),
        // start_at: created at or after it, oldest first (the SDK sends a Date as a UTC string, whole seconds)
        ...(req.prefix ? { prefix: req.prefix } : req.startAt ? { start_at: req.startAt, direction: 'asc' } : { direction: 'desc' }),
      }),
    );
    const next = result.next_cursor;
    return { assets: toAssets(result, partition), nextCursor: typeof next === 'string' && next ? next : undefined };
  }

  async lookup(partition: Partition, publicIds: string[]): Promise<StoredAsset[]> {
    if (publicIds.length === 0) return [];
    if (publicIds.length > LOOKUP_BATCH) throw new Error(`lookup takes at most ${LOOKUP_BATCH} ids`);
    const result = await this.call(`look up ${partition.resourceType}/${partition.type}`, (o) =>
      this.api.resources_by_ids(publicIds, { ...o, resource_type: partition.resourceType, type: partition.type, max_results: LOOKUP_BATCH }),
    );
    return toAssets(result, partition);
  }

  async deleteByAssetIds(assetIds: string[]): Promise<DeleteOutcome[]> {
    if (assetIds.length > DELETE_BATCH) throw new Error(`delete takes at most ${DELETE_BATCH} ids`);
    if (assetIds.length === 0) return [];
    const result = await this.call('delete by asset_id', (o) =>
      // retrying is safe: an asset_id names one file for ever, and one already deleted answers "not_found"
      this.api.delete_resources_by_asset_ids(assetIds, o),
    );
    const deleted = (result.deleted ?? {}) as Record<string, unknown>;
    return assetIds.map((id) => ({ assetId: id, outcome: typeof deleted[id] === 'string' ? (deleted[id] as string) : 'unknown' }));
  }

  /**
   * A signed download URL for the original (the Upload API's download endpoint, which serves
   * every delivery type, private and authenticated included, and does not count against the
   * Admin API budget). It expires after DOWNLOAD_URL_TTL_S.
   */
  /**
   * A signed delivery URL of a derived image (`s--…--`, made by the SDK with the secret; the
   * secret is not in it): review-page thumbnails of private and authenticated assets, on request.
   */
  signedDerivedUrl(asset: { publicId: string; resourceType: string; type: string }, transformation: string, format: string): string {
    return this.sdk.url(asset.publicId, {
      resource_type: asset.resourceType,
      type: asset.type,
      raw_transformation: transformation,
      format,
      sign_url: true,
      secure: this.options.credentials.params.secure !== 'false',
      urlAnalytics: false,
    });
  }

  originalUrl(asset: StoredAsset): string {
    const format = asset.resourceType === 'raw' ? '' : (asset.format ?? '');
    return this.sdk.utils.private_download_url(asset.publicId, format, {
      resource_type: asset.resourceType,
      type: asset.type,
      expires_at: Math.floor(Date.now() / 1000) + DOWNLOAD_URL_TTL_S,
    });
  }

  /** Uploads a file under a given public_id (restores from a backup); never overwrites. */
  async upload(file: string, asset: { publicId: string; resourceType: string; type: string }): Promise<Record<string, unknown>> {
    try {
      return await this.sdk.uploader.upload(file, {
        public_id: asset.publicId,
        resource_type: asset.resourceType,
        type: asset.type,
        overwrite: false,
        unique_filename: false,
        use_filename: false,
        agent: this.agent,
      });
    } catch (err) {
      throw normaliseSdkError(err);
    }
  }

  async searchPage(req: SearchPageRequest): Promise<SearchPage> {
    const terms = [`resource_type:${req.target.resourceType}`];
    if (req.target.type) terms.push(`type:${req.target.type}`);
    // half-open windows: an asset exactly on a boundary belongs to the later window only
    if (req.from) terms.push(`created_at>="${isoSecond(req.from)}"`);
    if (req.to) terms.push(`created_at<"${isoSecond(req.to)}"`);
    const result = await this.call(`search ${req.target.resourceType}/${req.target.type ?? '*'}`, (o) =>
      this.api.search(
        {
          expression: terms.join(' AND '),
          sort_by: [{ created_at: req.direction }],
          max_results: Math.min(req.maxResults, LIST_PAGE_SIZE),
          ...(req.cursor ? { next_cursor: req.cursor } : {}),
        },
        o,
      ),
    );
    const next = result.next_cursor;
    return {
      assets: toAssets(result, req.target),
      nextCursor: typeof next === 'string' && next ? next : undefined,
      totalCount: typeof result.total_count === 'number' ? result.total_count : undefined,
    };
  }

  async accountUsage(): Promise<AccountUsage> {
    const u = await this.usage();
    const resources = typeof u.resources === 'number' ? u.resources : undefined;
    return { resources };
  }

  async ping(): Promise<void> {
    await this.call('ping', (o) => this.api.ping(o));
  }

  async usage(): Promise<Record<string, unknown>> {
    return this.call('usage', (o) => this.api.usage(o));
  }

  private async call(
    what: string,
    run: (options: Record<string, unknown>) => Promise<Record<string, unknown>>,
  ): Promise<Record<string, unknown>> {
    const policy = this.policy;
    return retrying(
      policy,
      () => {
        // how the store answered, for the limiter: only the store's own pushback lowers it
        let outcome: CallOutcome = 'neutral';
        return this.limiter.run(
          async () => {
            this.options.guard.acquire();
            this.calls++;
            let observed: Budget | undefined;
            try {
              const call = abortable(() => run({ agent: this.agent }));
              const result = await withDeadline(call.promise, policy.deadlineMs, what).catch((err: unknown) => {
                // free the socket of a call that will never answer
                if (err instanceof StorageError && err.kind === 'timeout') call.abort(err);
                throw normaliseSdkError(err);
              });
              observed = budgetOf(result);
              return result;
            } catch (err) {
              if (err instanceof StorageError) outcome = err.kind === 'rate_limited' ? 'throttled' : err.retryable ? 'failed' : 'neutral';
              if (err instanceof StorageError && err.kind === 'rate_limited') throw this.options.guard.exhausted();
              if (err instanceof StorageError) throw new StorageError(err.kind, `${what}: ${err.message}`, err.status);
              throw err;
            } finally {
              this.options.guard.release(observed);
            }
          },
          () => outcome,
        );
      },
      (err, n, delay) => {
        this.retries++;
        this.options.onRetry?.(`${err.message} — retry ${n} in ${(delay / 1000).toFixed(1)} s`);
      },
    );
  }
}

function budgetOf(result: Record<string, unknown>): Budget | undefined {
  const limit = result.rate_limit_allowed;
  const remaining = result.rate_limit_remaining;
  if (typeof limit !== 'number' || typeof remaining !== 'number' || Number.isNaN(limit) || Number.isNaN(remaining)) return undefined;
  const reset = result.rate_limit_reset_at;
  const resetAt = reset instanceof Date && !Number.isNaN(reset.getTime()) ? reset : undefined;
  return { limit, remaining, resetAt };
}

/** Cloudinary's created_at has whole seconds; window bounds must too, or a boundary could split a second. */
function isoSecond(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function toAssets(result: Record<string, unknown>, partition: ListTarget): StoredAsset[] {
  const list = result.resources;
  if (!Array.isArray(list)) throw new StorageError('invalid_response', `Cloudinary answered without a resources list`);
  return list.map((r: Record<string, unknown>) => {
    if (typeof r.public_id !== 'string') throw new StorageError('invalid_response', 'a resource without public_id');
    return {
      publicId: r.public_id,
      resourceType: (r.resource_type as Partition['resourceType']) ?? partition.resourceType,
      type: (r.type as Partition['type']) ?? partition.type ?? 'upload',
      assetId: typeof r.asset_id === 'string' ? r.asset_id : undefined,
      format: typeof r.format === 'string' ? r.format : undefined,
      bytes: typeof r.bytes === 'number' ? r.bytes : 0,
      createdAt: typeof r.created_at === 'string' ? r.created_at : '',
      version: typeof r.version === 'number' ? r.version : undefined,
      secureUrl: typeof r.secure_url === 'string' ? r.secure_url : undefined,
    };
  });
}

export { BudgetExhausted };
