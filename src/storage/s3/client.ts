/**
 * An S3-compatible bucket (AWS S3, R2, MinIO, B2, Spaces…) as a StorageBackend, over the official
 * @aws-sdk/client-s3: one partition (every object under the configured prefix), listing by
 * ListObjectsV2 in parallel lanes (lister.ts), lookups by HeadObject, deletes by DeleteObjects with
 * each object's ETag as a condition, backups by presigned GET, restores by PutObject that never
 * overwrites. Every call is counted, retried on SlowDown/503 with backoff, and its failure named.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { registerSecret } from '../../config/redact.js';
import { usageError } from '../../errors.js';
import pLimit from 'p-limit';
import {
  DeleteObjectsCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import type { AccessCheck, StorageBackend, StorageLimits } from '../backend.js';
import { StorageError } from '../errors.js';
import type { DeleteOutcome, ListPage, ListPageRequest, Partition, StoredAsset } from '../types.js';
import { s3Error, PERMISSION, type S3Call } from './errors.js';
import { s3Grammar } from './grammar/index.js';
import { PrefixLister, type ListedObject } from './lister.js';
import { S3_PARTITION, S3_PARTITIONS } from './partitions.js';
import { S3_REPORT } from './report.js';
import { S3_RETRY, withRetries, type S3RetryPolicy } from './retry.js';
import { assetIdOf, parseAssetId } from './stable-id.js';
import type { S3Location } from './url.js';

/** S3's limits: 1,000 keys per ListObjectsV2 page and per DeleteObjects call. */
export const LIST_PAGE_SIZE = 1000;
export const DELETE_BATCH = 1000;
/** Keys per lookup call of the audit; each is one HeadObject, HEAD_CONCURRENCY at a time. */
export const LOOKUP_BATCH = 100;
export const HEAD_CONCURRENCY = 16;
/** Lifetime of a presigned download URL: long enough for one download, short if it leaks. */
export const DOWNLOAD_URL_TTL_S = 600;

const LIMITS: StorageLimits = { pageSize: LIST_PAGE_SIZE, lookupBatch: LOOKUP_BATCH, deleteBatch: DELETE_BATCH, headConcurrency: HEAD_CONCURRENCY };

export interface S3StorageOptions {
  location: S3Location;
  /** storage.hosts: CDN hosts whose URL paths are keys of this bucket. */
  hosts?: readonly string[];
  retry?: Partial<S3RetryPolicy>;
  onRetry?: (message: string) => void;
  /** Something the user should know that is no error (a versioned bucket kept delete markers). */
  onNotice?: (message: string) => void;
  /** Credentials for tests; otherwise the standard AWS chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

export class S3Storage implements StorageBackend {
  readonly name = 's3';
  readonly partitions: readonly Partition[] = S3_PARTITIONS;
  readonly limits = LIMITS;
  readonly report = S3_REPORT;
  readonly listOrder = 'unordered' as const;
  readonly grammar;
  calls = 0;
  retries = 0;
  /** Delete markers written (a versioned bucket keeps the data as noncurrent versions). */
  deleteMarkers = 0;
  private readonly client: S3Client;
  private readonly policy: S3RetryPolicy;
  private readonly lister: PrefixLister;
  private readonly where: string;

  constructor(private readonly options: S3StorageOptions) {
    const { location } = options;
    // the SDK warns on stderr about a Node version it will stop supporting next year; the CLI's stderr is ours
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // the SDK never prints them, but an error text of a proxy or a misconfigured endpoint might
    for (const secret of [process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN, options.credentials?.secretAccessKey, options.credentials?.sessionToken]) registerSecret(secret);
    this.client = new S3Client({
      ...(location.region ? { region: location.region } : location.endpoint ? { region: 'us-east-1' } : {}),
      ...(location.endpoint ? { endpoint: location.endpoint } : {}),
      forcePathStyle: location.forcePathStyle,
      followRegionRedirects: true,
      maxAttempts: 1,
      // S3-compatible stores differ on the newer default checksums; the SDK still sends the ones S3 requires
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.client.middlewareStack.add(contentMd5ForDeletes, { step: 'build', name: 'assetAuditDeleteObjectsContentMd5' });
    this.policy = { ...S3_RETRY, ...options.retry };
    this.lister = new PrefixLister((input) => this.listCall(input));
    this.grammar = s3Grammar({ bucket: location.bucket, prefix: location.prefix, endpoint: location.endpoint, hosts: options.hosts });
    this.where = `s3://${location.bucket}/${location.prefix}`;
  }

  get account(): string {
    return this.options.location.bucket;
  }

  async listPage(req: ListPageRequest): Promise<ListPage> {
    const root = this.listRoot(req.prefix);
    // a --prefix is a whole-key prefix; one outside the configured prefix would list nothing and say nothing
    if (root === undefined) throw usageError(`--prefix "${req.prefix}" is outside ${this.where}: give the whole key prefix, e.g. --prefix ${this.options.location.prefix}${req.prefix}`);
    const page = await this.lister.page(root, req.cursor, Math.min(req.maxResults, LIST_PAGE_SIZE));
    return { assets: page.objects.map((o) => this.asset(o)), ...(page.cursor ? { nextCursor: page.cursor } : {}) };
  }

  /** Keys under both the configured prefix and a --prefix (a full-key prefix); undefined: none can be. */
  private listRoot(prefix: string | undefined): string | undefined {
    const base = this.options.location.prefix;
    if (!prefix) return base;
    if (prefix.startsWith(base)) return prefix;
    return base.startsWith(prefix) ? base : undefined;
  }

  async lookup(_partition: Partition, keys: string[]): Promise<StoredAsset[]> {
    if (keys.length > LOOKUP_BATCH) throw new StorageError('bad_request', `lookup of ${keys.length} keys: at most ${LOOKUP_BATCH} a call`);
    const limit = pLimit(HEAD_CONCURRENCY);
    const found = await Promise.all(keys.map((key) => limit(() => this.headObject(key))));
    return found.filter((a): a is StoredAsset => a !== undefined);
  }

  private async headObject(key: string, opts: { anyPrefix?: boolean } = {}): Promise<StoredAsset | undefined> {
    // a key outside the configured prefix is not in this audit's store (restore asks anyway: it writes there)
    if (!opts.anyPrefix && !key.startsWith(this.options.location.prefix)) return undefined;
    try {
      const head = await this.send('HeadObject', key, (signal) => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal: signal }));
      return this.asset({ key, etag: head.ETag ?? '', size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) });
    } catch (err) {
      if (err instanceof StorageError && err.kind === 'bad_request' && err.status === 404) return undefined;
      throw err;
    }
  }

  /**
   * DeleteObjects naming each key with the ETag that was reviewed: S3 deletes only an object that
   * still has it (PreconditionFailed otherwise), so a file put under the same key since is left
   * alone. A store that ignores the condition is still guarded by the last check's HeadObject.
   */
  async delete(stableIds: string[]): Promise<DeleteOutcome[]> {
    if (stableIds.length > DELETE_BATCH) throw new StorageError('bad_request', `delete of ${stableIds.length} objects: at most ${DELETE_BATCH} a call`);
    if (stableIds.length === 0) return [];
    const parsed = stableIds.map((id) => ({ id, ...parseAssetId(id) }));
    const valid = parsed.filter((p) => p.key !== undefined);
    const outcomes = new Map<string, string>(parsed.filter((p) => p.key === undefined).map((p) => [p.id, 'invalid id (expected KEY@ETAG)']));
    if (valid.length) {
      const byKey = new Map(valid.map((v) => [v.key!, v.id]));
      const out = await this.send('DeleteObjects', `${valid.length} objects`, (signal) =>
        this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Quiet: false, Objects: valid.map((v) => ({ Key: v.key!, ETag: `"${v.etag}"` })) } }), { abortSignal: signal }),
      );
      for (const d of out.Deleted ?? []) {
        const id = byKey.get(d.Key ?? '');
        if (!id) continue;
        outcomes.set(id, 'deleted');
        if (d.DeleteMarker) this.deleteMarkerWritten(d.Key!, d.DeleteMarkerVersionId);
      }
      for (const e of out.Errors ?? []) {
        const id = byKey.get(e.Key ?? '');
        if (!id) continue;
        outcomes.set(id, e.Code === 'NoSuchKey' ? 'not_found' : e.Code === 'PreconditionFailed' ? 'precondition_failed (another object is under this key now; left alone)' : e.Code === 'AccessDenied' ? `access_denied (${PERMISSION.DeleteObjects} is not granted)` : `${e.Code ?? 'error'}${e.Message ? ` (${e.Message})` : ''}`);
      }
    }
    return [...outcomes].map(([assetId, outcome]) => ({ assetId, outcome }));
  }

  private deleteMarkerWritten(key: string, versionId: string | undefined): void {
    this.deleteMarkers++;
    if (this.deleteMarkers > 1) return;
    this.options.onNotice?.(
      `s3://${this.bucket} is versioned: deleting wrote delete markers, and the data stays (and is billed) as noncurrent versions until a lifecycle rule expires them. ` +
        `To bring an object back, delete its delete marker, e.g. aws s3api delete-object --bucket ${this.bucket} --key '${key}' --version-id ${versionId ?? 'MARKER_VERSION_ID'} (list them with aws s3api list-object-versions), or use asset-audit restore.`,
    );
  }

  async downloadUrl(asset: StoredAsset): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: asset.publicId }), { expiresIn: DOWNLOAD_URL_TTL_S });
  }

  /**
   * Never over an object that is there: HeadObject first (an object found is reported existing and
   * left alone), then PutObject with If-None-Match: *, which S3 refuses (412) when an object appeared
   * in between. Backblaze B2 and older S3-compatible stores ignore the condition, so the HeadObject is
   * what guards them, leaving a window of one call.
   */
  async upload(file: string, asset: { publicId: string }): Promise<Record<string, unknown>> {
    const key = asset.publicId;
    const bytes = statSync(file).size;
    const there = await this.headObject(key, { anyPrefix: true });
    if (there) return { existing: true, public_id: key, asset_id: there.assetId };
    try {
      const out = await this.send('PutObject', key, (signal) =>
        this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: createReadStream(file), ContentLength: bytes, ContentType: contentTypeOf(key), IfNoneMatch: '*' }), { abortSignal: signal }),
      );
      return { public_id: key, bytes, asset_id: assetIdOf(key, out.ETag ?? '') };
    } catch (err) {
      if (err instanceof StorageError && err.status === 412) {
        const now = await this.headObject(key, { anyPrefix: true }).catch(() => undefined);
        return { existing: true, public_id: key, asset_id: now?.assetId ?? '?' };
      }
      throw err;
    }
  }

  /** One cheap authenticated call: a one-key listing of the prefix. */
  async ping(): Promise<void> {
    await this.listCall({ prefix: this.options.location.prefix, maxKeys: 1 });
  }

  /** Each permission a command needs, checked by a call that changes nothing (doctor). */
  async checkAccess(): Promise<AccessCheck[]> {
    const results: AccessCheck[] = [];
    const attempt = async (what: string, run: () => Promise<string>, failStatus: 'fail' | 'warn' = 'fail') => {
      try {
        results.push({ what, status: 'ok', detail: await run() });
      } catch (err) {
        const e = err instanceof StorageError ? err : s3Error(err, 'ListObjectsV2', this.where);
        results.push({ what, status: failStatus, detail: e.message, ...(e.fix ? { fix: e.fix } : {}) });
      }
    };
    let sample: string | undefined;
    await attempt(`${PERMISSION.ListObjectsV2} (detect)`, async () => {
      const page = await this.listCall({ prefix: this.options.location.prefix, maxKeys: 1 });
      sample = page.objects[0]?.key;
      return `${this.where} listed${sample === undefined ? ' (empty)' : ''}`;
    });
    // a random key: 404 proves s3:GetObject (with s3:ListBucket), 403 says it is missing
    const probe = `${this.options.location.prefix}.asset-audit-doctor-${Date.now().toString(36)}`;
    await attempt(`${PERMISSION.HeadObject} (detect, delete backups)`, async () => {
      await this.headObject(sample ?? probe);
      return sample === undefined ? 'HeadObject of a missing key answered 404' : 'HeadObject answered';
    });
    await attempt(
      `${PERMISSION.GetBucketVersioning} (delete: tells whether deletes leave markers)`,
      async () => {
        const v = await this.send('GetBucketVersioning', this.bucket, (signal) => this.client.send(new GetBucketVersioningCommand({ Bucket: this.bucket }), { abortSignal: signal }));
        return v.Status === 'Enabled' ? 'versioning is on: delete writes delete markers (recoverable)' : v.Status === 'Suspended' ? 'versioning is suspended' : 'versioning is off: a delete is final (use --backup-dir)';
      },
      'warn',
    );
    // a conditional delete of a key that does not exist: AWS answers NoSuchKey and removes nothing
    await attempt(`${PERMISSION.DeleteObjects} (delete)`, async () => {
      const [outcome] = await this.delete([assetIdOf(probe, '00000000000000000000000000000000')]);
      if (outcome?.outcome.startsWith('access_denied')) throw new StorageError('auth', `DeleteObjects ${this.where}: AccessDenied — the credentials lack ${PERMISSION.DeleteObjects}`, 403, `grant ${PERMISSION.DeleteObjects} on arn:aws:s3:::${this.bucket}/* (only delete needs it)`);
      return `a conditional DeleteObjects of a missing key answered ${outcome?.outcome ?? '?'} (nothing removed)`;
    });
    results.push({ what: `${PERMISSION.PutObject} (restore)`, status: 'warn', detail: 'not checked: only a real upload proves it, and doctor writes nothing', fix: `grant ${PERMISSION.PutObject} on arn:aws:s3:::${this.bucket}/* before running restore` });
    return results;
  }

  close(): void {
    this.lister.clear();
    this.client.destroy();
  }

  private get bucket(): string {
    return this.options.location.bucket;
  }

  private asset(o: ListedObject): StoredAsset {
    return {
      publicId: o.key,
      resourceType: S3_PARTITION.resourceType,
      type: S3_PARTITION.type,
      assetId: assetIdOf(o.key, o.etag),
      bytes: o.size,
      // whole seconds: HeadObject's Last-Modified has no more, and some stores list milliseconds (the last check compares them)
      createdAt: new Date(Math.floor(o.lastModified.getTime() / 1000) * 1000).toISOString(),
      secureUrl: `s3://${this.bucket}/${o.key}`,
    };
  }

  private async listCall(input: { prefix: string; delimiter?: string; token?: string; startAfter?: string; maxKeys: number }) {
    const out = await this.send('ListObjectsV2', `s3://${this.bucket}/${input.prefix}`, (signal) =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: input.prefix || undefined,
          MaxKeys: input.maxKeys,
          // a key with a control character is invalid XML unless encoded (as boto3 asks by default)
          EncodingType: 'url',
          ...(input.delimiter ? { Delimiter: input.delimiter } : {}),
          ...(input.token ? { ContinuationToken: input.token } : {}),
          ...(input.startAfter !== undefined && !input.token ? { StartAfter: input.startAfter } : {}),
        }),
        { abortSignal: signal },
      ),
    );
    if (out.IsTruncated && !out.NextContinuationToken) {
      // a partial listing must not pass for a whole one: absence is proven by complete listings only
      throw new StorageError('invalid_response', `ListObjectsV2 s3://${this.bucket}/${input.prefix}: a truncated page without a continuation token`);
    }
    // decoded only when the store says it encoded: one that ignores the parameter sends keys as they are
    const key = out.EncodingType === 'url' ? urlDecodedKey : (k: string) => k;
    return {
      objects: (out.Contents ?? []).map((c) => ({ key: key(c.Key ?? ''), etag: c.ETag ?? '', size: c.Size ?? 0, lastModified: c.LastModified ?? new Date(0) })),
      prefixes: (out.CommonPrefixes ?? []).map((p) => key(p.Prefix ?? '')).filter(Boolean),
      ...(out.IsTruncated ? { next: out.NextContinuationToken } : {}),
    };
  }

  private send<T>(call: S3Call, what: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const where = call === 'ListObjectsV2' || call === 'GetBucketVersioning' || call === 'DeleteObjects' ? `${this.where} (${what})` : `s3://${this.bucket}/${what}`;
    return withRetries(
      this.policy,
      (signal) => {
        this.calls++;
        return run(signal);
      },
      (err) => {
        const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        // HeadObject of a missing key: an answer, not a failure
        if (call === 'HeadObject' && status === 404) return new StorageError('bad_request', `HeadObject ${where}: 404`, 404);
        return s3Error(err, call, where);
      },
      (err, n, delay) => {
        this.retries++;
        this.options.onRetry?.(`${err.message}; retry ${n} in ${delay} ms`);
      },
    );
  }
}

/**
 * DeleteObjects with a Content-MD5 as well as the SDK's CRC32: the S3 API reference long required
 * it, and MinIO before 2025, Dell ECS and other S3-compatibles still refuse the request without it
 * (aws-sdk-js-v3 supplemental-docs/MD5_FALLBACK.md). AWS checks both.
 */
const contentMd5ForDeletes: BuildMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const request = args.request as { headers?: Record<string, string>; body?: unknown };
  if (context.commandName === 'DeleteObjectsCommand' && request.headers && (typeof request.body === 'string' || request.body instanceof Uint8Array)) {
    request.headers['content-md5'] = createHash('md5').update(request.body).digest('base64');
  }
  return next(args);
};

/** A key as ListObjectsV2 sends it with encoding-type=url: form-encoded, a space may come as '+' (a '+' comes as %2B). */
function urlDecodedKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, '%20'));
  } catch {
    throw new StorageError('invalid_response', `ListObjectsV2: a key that is not valid URL encoding: ${JSON.stringify(encoded.slice(0, 200))}`);
  }
}

const extensionOf = (key: string): string | undefined => /\.([A-Za-z0-9]{1,8})$/.exec(path.posix.basename(key))?.[1]?.toLowerCase();

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif', svg: 'image/svg+xml',
  ico: 'image/x-icon', tif: 'image/tiff', tiff: 'image/tiff', heic: 'image/heic', pdf: 'application/pdf', mp4: 'video/mp4', webm: 'video/webm',
  mov: 'video/quicktime', mp3: 'audio/mpeg', wav: 'audio/wav', json: 'application/json', txt: 'text/plain', csv: 'text/csv', zip: 'application/zip',
};

/** The Content-Type a restored object gets (the backup keeps the bytes, not the headers). */
const contentTypeOf = (key: string): string => CONTENT_TYPES[extensionOf(key) ?? ''] ?? 'application/octet-stream';
