/**
 * The HTTP side of the S3 emulator: path-style (`/bucket/key`) and virtual-hosted
 * (`bucket.host/key`) requests, SigV4 credentials by access key id (signatures are not verified:
 * the SDK computes them, the emulator only needs to know who asks), and the operations the audit
 * uses, with S3's status codes and XML error documents.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { listObjects, decodeToken, MAX_KEYS } from './list.js';
import { generatedBody, type BucketStore } from './store.js';
import { deleteResultXml, errorXml, listXml, parseDeleteRequest, type DeleteEntry } from './xml.js';

/** The permission each operation needs (IAM action names, as AccessDenied messages name them). */
export const OPERATION_PERMISSION = {
  ListObjectsV2: 's3:ListBucket',
  HeadBucket: 's3:ListBucket',
  GetBucketVersioning: 's3:GetBucketVersioning',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObjects: 's3:DeleteObject',
} as const;
export type S3Operation = keyof typeof OPERATION_PERMISSION;
export type S3Permission = (typeof OPERATION_PERMISSION)[S3Operation];

export interface Fault {
  status: number;
  code: string;
  message: string;
  operations?: S3Operation[];
}

export interface S3EmulatorState {
  buckets: Map<string, BucketStore>;
  accessKeyId: string;
  denied: Set<S3Permission>;
  faults: Array<Fault & { remaining: number }>;
  latencyMs: number;
  calls: Map<S3Operation, number>;
  /** Whether DeleteObjects honours an <ETag> per object (AWS since 2025; some S3-compatibles ignore it). */
  conditionalDeletes: boolean;
  /** Whether PutObject honours If-None-Match: * (AWS since 2024; Backblaze B2 and older S3-compatibles ignore it and overwrite). */
  conditionalWrites: boolean;
  /** Whether DeleteObjects needs Content-MD5 itself, as older MinIO and other S3-compatibles do (AWS takes a CRC32 too). */
  requireContentMd5: boolean;
}

class S3Failure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const accessDenied = () => new S3Failure(403, 'AccessDenied', 'Access Denied');

export function createS3Handler(state: S3EmulatorState) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    res.setHeader('x-amz-request-id', requestId);
    const done = (status: number, body?: string | Buffer, headers: Record<string, string | number> = {}) => {
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(status, { ...(typeof body === 'string' ? { 'content-type': 'application/xml' } : {}), ...headers });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (state.latencyMs > 0) setTimeout(send, state.latencyMs).unref();
      else send();
    };
    handle(state, req)
      .then((r) => done(r.status, r.body, r.headers))
      .catch((err: unknown) => {
        const f = err instanceof S3Failure ? err : new S3Failure(500, 'InternalError', 'We encountered an internal error. Please try again.');
        // a HEAD answer has no body: the SDK sees only the status
        done(f.status, errorXml(f.code, f.message, req.url ?? '/', requestId));
      });
  };
}

interface Answer {
  status: number;
  body?: string | Buffer;
  headers?: Record<string, string | number>;
}

async function handle(state: S3EmulatorState, req: IncomingMessage): Promise<Answer> {
  const url = new URL(req.url ?? '/', 'http://emulator');
  const { bucket, key } = route(state, req, url);
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const operation: S3Operation | undefined =
    key === undefined
      ? method === 'GET' && q.get('list-type') === '2'
        ? 'ListObjectsV2'
        : method === 'GET' && q.has('versioning')
          ? 'GetBucketVersioning'
          : method === 'POST' && q.has('delete')
            ? 'DeleteObjects'
            : method === 'HEAD'
              ? 'HeadBucket'
              : undefined
      : method === 'HEAD'
        ? 'HeadObject'
        : method === 'GET'
          ? 'GetObject'
          : method === 'PUT'
            ? 'PutObject'
            : undefined;
  if (!operation) throw new S3Failure(501, 'NotImplemented', 'A header or query you provided implies functionality that is not implemented.');
  authenticate(state, req, q);
  state.calls.set(operation, (state.calls.get(operation) ?? 0) + 1);
  const fault = state.faults.find((f) => f.remaining > 0 && (!f.operations || f.operations.includes(operation)));
  if (fault) {
    fault.remaining--;
    throw new S3Failure(fault.status, fault.code, fault.message);
  }
  const store = state.buckets.get(bucket);
  if (!store) throw new S3Failure(404, 'NoSuchBucket', 'The specified bucket does not exist');
  // DeleteObjects answers AccessDenied per key, in its result document
  if (operation !== 'DeleteObjects' && state.denied.has(OPERATION_PERMISSION[operation])) throw accessDenied();

  switch (operation) {
    case 'HeadBucket':
      return { status: 200 };
    case 'GetBucketVersioning':
      return { status: 200, body: `<?xml version="1.0" encoding="UTF-8"?>\n<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${store.versioning ? '<Status>Enabled</Status>' : ''}</VersioningConfiguration>` };
    case 'ListObjectsV2':
      return list(store, q);
    case 'HeadObject':
    case 'GetObject': {
      const object = store.get(key!);
      // without s3:ListBucket S3 does not reveal absence: a missing key is 403, not 404
      if (!object) throw state.denied.has('s3:ListBucket') ? accessDenied() : new S3Failure(404, 'NoSuchKey', 'The specified key does not exist.');
      const body = object.body ?? generatedBody(object.key, object.size);
      return {
        status: 200,
        body,
        headers: {
          'content-length': object.size,
          'content-type': object.contentType,
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          'accept-ranges': 'bytes',
          ...(object.versionId ? { 'x-amz-version-id': object.versionId } : {}),
        },
      };
    }
    case 'PutObject': {
      const body = decodeBody(req, await readAll(req));
      const ifNoneMatch = req.headers['if-none-match'];
      // a store that ignores the condition neither checks nor refuses it: it writes
      if (ifNoneMatch !== undefined && ifNoneMatch !== '*' && state.conditionalWrites) throw new S3Failure(501, 'NotImplemented', 'If-None-Match supports only *');
      if (ifNoneMatch === '*' && state.conditionalWrites && store.get(key!)) throw new S3Failure(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      const object = store.put({ key: key!, body, contentType: String(req.headers['content-type'] ?? 'application/octet-stream') });
      return { status: 200, headers: { etag: object.etag, ...(object.versionId ? { 'x-amz-version-id': object.versionId } : {}) } };
    }
    case 'DeleteObjects':
      return deleteObjects(state, store, req);
  }
}

function route(state: S3EmulatorState, req: IncomingMessage, url: URL): { bucket: string; key?: string } {
  const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
  const hosted = [...state.buckets.keys()].find((b) => host.startsWith(`${b}.`));
  const path = url.pathname;
  if (hosted) return { bucket: hosted, ...(path.length > 1 ? { key: decodeURIComponent(path.slice(1)) } : {}) };
  const slash = path.indexOf('/', 1);
  if (slash < 0) return { bucket: decodeURIComponent(path.slice(1)) };
  const key = decodeURIComponent(path.slice(slash + 1));
  return { bucket: decodeURIComponent(path.slice(1, slash)), ...(key ? { key } : {}) };
}

function authenticate(state: S3EmulatorState, req: IncomingMessage, q: URLSearchParams): void {
  const header = req.headers.authorization;
  let credential: string | undefined;
  if (header) {
    credential = /Credential=([^/,\s]+)\//.exec(header)?.[1];
  } else if (q.has('X-Amz-Credential')) {
    credential = q.get('X-Amz-Credential')!.split('/')[0];
    const date = q.get('X-Amz-Date') ?? '';
    const issued = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    const expires = Number(q.get('X-Amz-Expires') ?? '0');
    if (!Number.isFinite(issued) || Date.now() > issued + expires * 1000) throw new S3Failure(403, 'AccessDenied', 'Request has expired');
  }
  if (!credential) throw accessDenied();
  if (credential !== state.accessKeyId) throw new S3Failure(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
}

function list(store: BucketStore, q: URLSearchParams): Answer {
  const maxKeys = Math.min(MAX_KEYS, q.has('max-keys') ? Number(q.get('max-keys')) : MAX_KEYS);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) throw new S3Failure(400, 'InvalidArgument', 'Provided max-keys not an integer or within integer range');
  const encodingType = q.get('encoding-type');
  if (encodingType !== null && encodingType !== 'url') throw new S3Failure(400, 'InvalidArgument', 'Invalid Encoding Method specified in Request');
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') || undefined;
  const token = q.get('continuation-token') ?? undefined;
  const startAfter = q.get('start-after') ?? undefined;
  let marker: string | undefined;
  if (token !== undefined) {
    marker = decodeToken(token);
    if (marker === undefined) throw new S3Failure(400, 'InvalidArgument', 'The continuation token provided is incorrect');
  } else marker = startAfter;
  const result = maxKeys === 0 ? { contents: [], commonPrefixes: [], isTruncated: false } : listObjects(store, { prefix, delimiter, maxKeys, continuationToken: token, startAfter }, marker);
  return {
    status: 200,
    body: listXml({ bucket: store.name, prefix, delimiter, maxKeys, continuationToken: token, startAfter, ...(encodingType === 'url' ? { encodingType: 'url' as const } : {}) }, result),
  };
}

async function deleteObjects(state: S3EmulatorState, store: BucketStore, req: IncomingMessage): Promise<Answer> {
  const raw = await readAll(req);
  const hasChecksum = Boolean(req.headers['content-md5']) || Object.keys(req.headers).some((h) => h.startsWith('x-amz-checksum-') && h !== 'x-amz-checksum-algorithm');
  if (!hasChecksum || (state.requireContentMd5 && !req.headers['content-md5'])) throw new S3Failure(400, 'InvalidRequest', 'Missing required header for this request: Content-MD5');
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string' && md5 !== createHash('md5').update(raw).digest('base64')) throw new S3Failure(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  const request = parseDeleteRequest(raw.toString('utf8'));
  if (!request || request.objects.length === 0 || request.objects.length > MAX_KEYS) {
    throw new S3Failure(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');
  }
  const entries: DeleteEntry[] = request.objects.map(({ key, etag }) => {
    if (state.denied.has('s3:DeleteObject')) return { key, deleted: false, code: 'AccessDenied', message: 'Access Denied' };
    const object = store.get(key);
    if (etag !== undefined && state.conditionalDeletes) {
      if (!object) return { key, deleted: false, code: 'NoSuchKey', message: 'The specified key does not exist.' };
      if (object.etag !== etag && object.etag !== `"${etag}"`) return { key, deleted: false, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' };
    }
    // without a condition S3 deletes idempotently: an absent key is reported deleted
    const { deleteMarkerVersionId } = store.delete(key);
    return { key, deleted: true, ...(deleteMarkerVersionId ? { deleteMarkerVersionId } : {}) };
  });
  return { status: 200, body: deleteResultXml(entries, request.quiet) };
}

function readAll(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Undoes `aws-chunked` framing (`hex-size[;ext]\r\n bytes \r\n … 0\r\n trailers`), which the SDK uses for streamed uploads. */
function decodeBody(req: IncomingMessage, raw: Buffer): Buffer {
  const encoding = String(req.headers['content-encoding'] ?? '');
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  if (!encoding.includes('aws-chunked') && !sha.startsWith('STREAMING-')) return raw;
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new S3Failure(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!Number.isFinite(size)) throw new S3Failure(400, 'IncompleteBody', 'The request body terminated unexpectedly');
    if (size === 0) break;
    out.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}
