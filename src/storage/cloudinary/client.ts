/**
 * StorageClient over the official Cloudinary SDK: every Admin API call goes through the
 * rate-limit guard, a deadline, bounded retries, and error normalisation.
 */
import http from 'node:http';
import https from 'node:https';
import type { CloudinaryCredentials } from '../../config/cloudinary-url.js';
import type { Budget, DeleteOutcome, ListPage, ListPageRequest, Partition, StorageClient, StoredAsset } from '../types.js';
import { normaliseSdkError, StorageError } from './errors.js';
import { BudgetExhausted, RateLimitGuard } from './guard.js';
import { DEFAULT_RETRY, retrying, withDeadline, type RetryPolicy } from './retry.js';

/** Cloudinary's hard limits (Admin API reference). */
export const LIST_PAGE_SIZE = 500;
export const LOOKUP_BATCH = 100;
export const DELETE_BATCH = 100;

type SdkApi = {
  resources(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  resources_by_ids(ids: string[], options: Record<string, unknown>): Promise<Record<string, unknown>>;
  delete_resources(ids: string[], options: Record<string, unknown>): Promise<Record<string, unknown>>;
  ping(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  usage(options: Record<string, unknown>): Promise<Record<string, unknown>>;
};

export interface CloudinaryClientOptions {
  credentials: CloudinaryCredentials;
  guard: RateLimitGuard;
  retry?: Partial<RetryPolicy>;
  onRetry?: (message: string) => void;
}

export class CloudinaryStorage implements StorageClient {
  calls = 0;
  retries = 0;
  private readonly policy: RetryPolicy;
  private readonly agent: http.Agent;

  private constructor(
    private readonly api: SdkApi,
    private readonly options: CloudinaryClientOptions,
  ) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    const prefix = options.credentials.params.upload_prefix ?? 'https://api.cloudinary.com';
    const Agent = prefix.startsWith('http:') ? http.Agent : https.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 32 });
  }

  static async create(options: CloudinaryClientOptions): Promise<CloudinaryStorage> {
    const c = options.credentials;
    // The SDK picks http or https once, when it is first loaded, from CLOUDINARY_URL's upload_prefix.
    if (!process.env.CLOUDINARY_URL) process.env.CLOUDINARY_URL = `cloudinary://${c.apiKey}:${c.apiSecret}@${c.cloudName}`;
    const sdk = (await import('cloudinary')).v2;
    sdk.config({ ...c.params, cloud_name: c.cloudName, api_key: c.apiKey, api_secret: c.apiSecret, hide_sensitive: true });
    return new CloudinaryStorage(sdk.api as unknown as SdkApi, options);
  }

  get cloudName(): string {
    return this.options.credentials.cloudName;
  }

  get budget(): Budget | undefined {
    return this.options.guard.budget;
  }

  close(): void {
    this.agent.destroy();
  }

  async listPage(req: ListPageRequest): Promise<ListPage> {
    const { partition } = req;
    const result = await this.call(`list ${partition.resourceType}/${partition.type}`, (o) =>
      this.api.resources({
        ...o,
        resource_type: partition.resourceType,
        type: partition.type,
        max_results: Math.min(req.maxResults, LIST_PAGE_SIZE),
        ...(req.cursor ? { next_cursor: req.cursor } : {}),
        ...(req.prefix ? { prefix: req.prefix } : { direction: 'desc' }),
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

  async deleteIds(partition: Partition, publicIds: string[]): Promise<DeleteOutcome[]> {
    if (publicIds.length > DELETE_BATCH) throw new Error(`delete takes at most ${DELETE_BATCH} ids`);
    const result = await this.call(`delete ${partition.resourceType}/${partition.type}`, (o) =>
      this.api.delete_resources(publicIds, { ...o, resource_type: partition.resourceType, type: partition.type }),
      // a delete that may have happened must not be sent twice blindly; the journal and a re-run resolve it
      false,
    );
    const deleted = (result.deleted ?? {}) as Record<string, string>;
    return publicIds.map((id) => ({ publicId: id, outcome: deleted[id] ?? 'unknown' }));
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
    retry = true,
  ): Promise<Record<string, unknown>> {
    const policy = retry ? this.policy : { ...this.policy, attempts: 1 };
    return retrying(
      policy,
      async () => {
        this.options.guard.acquire();
        this.calls++;
        let observed: Budget | undefined;
        try {
          const result = await withDeadline(run({ agent: this.agent }), policy.deadlineMs, what).catch((err: unknown) => {
            throw normaliseSdkError(err);
          });
          observed = budgetOf(result);
          return result;
        } catch (err) {
          if (err instanceof StorageError && err.kind === 'rate_limited') throw this.options.guard.exhausted();
          if (err instanceof StorageError) throw new StorageError(err.kind, `${what}: ${err.message}`, err.status);
          throw err;
        } finally {
          this.options.guard.release(observed);
        }
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

function toAssets(result: Record<string, unknown>, partition: Partition): StoredAsset[] {
  const list = result.resources;
  if (!Array.isArray(list)) throw new StorageError('invalid_response', `Cloudinary answered without a resources list`);
  return list.map((r: Record<string, unknown>) => {
    if (typeof r.public_id !== 'string') throw new StorageError('invalid_response', 'a resource without public_id');
    return {
      publicId: r.public_id,
      resourceType: (r.resource_type as Partition['resourceType']) ?? partition.resourceType,
      type: (r.type as Partition['type']) ?? partition.type,
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
