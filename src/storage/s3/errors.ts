/**
 * SDK failures as StorageErrors. The SDK throws S3ServiceException subclasses named by S3's error
 * code (AccessDenied, NoSuchBucket, SlowDown…), with the HTTP status in $metadata; credential and
 * network failures are plain Errors. An AccessDenied names the permission the operation needs.
 */
import { StorageError } from '../errors.js';

/** The IAM action each call needs (what an AccessDenied is missing). */
export const PERMISSION = {
  ListObjectsV2: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  GetObject: 's3:GetObject',
  PutObject: 's3:PutObject',
  DeleteObjects: 's3:DeleteObject',
  GetBucketVersioning: 's3:GetBucketVersioning',
} as const;
export type S3Call = keyof typeof PERMISSION;

const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequests', 'TooManyRequestsException']);
const AUTH = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled', 'AccountProblem', 'CredentialsProviderError']);

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function s3Error(raw: unknown, call: S3Call, where: string): StorageError {
  if (raw instanceof StorageError) return raw;
  const e = (raw ?? {}) as SdkError;
  const code = e.Code ?? e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const said = (e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : '').replace(/\s+/g, ' ');
  if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? '')) {
    return new StorageError('auth', `${call} ${where}: no AWS credentials found`, status, 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where a role is attached (credentials never go in the s3:// URL)');
  }
  if (code === 'AccessDenied' || status === 403) {
    const permission = PERMISSION[call];
    // without s3:ListBucket, S3 answers 403 rather than 404 for a key that does not exist
    const or = call === 'HeadObject' || call === 'GetObject' ? ` (or ${PERMISSION.ListObjectsV2}, if the key does not exist)` : '';
    return new StorageError('auth', `${call} ${where}: ${code} — the credentials lack ${permission}${or}${said}`, status, `grant ${permission} on ${resourceOf(call, where)} to the identity asset-audit runs as (README "S3: permissions")`);
  }
  if (AUTH.has(code)) return new StorageError('auth', `${call} ${where}: ${code}${said}`, status, 'check the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE) and the endpoint');
  if (code === 'NoSuchBucket') return new StorageError('not_found', `${call} ${where}: the bucket does not exist${said}`, status, 'check the bucket name and the endpoint/region in the s3:// URL');
  if (code === 'PermanentRedirect' || code === 'AuthorizationHeaderMalformed' || status === 301) {
    return new StorageError('bad_request', `${call} ${where}: ${code} — the bucket is in another region${said}`, status, 'set ?region= in the s3:// URL to the bucket\'s region');
  }
  if (THROTTLED.has(code) || status === 429 || status === 503) return new StorageError('rate_limited', `${call} ${where}: ${code} (${status ?? '?'})${said}`, status, 'S3 kept asking to slow down after every retry: run again later (a checkpoint resumes a stopped scan)');
  if (status !== undefined && status >= 500) return new StorageError('server', `${call} ${where}: ${code} (${status})${said}`, status, 'the S3 service failed after retries: run again later');
  if (status !== undefined && status >= 400) return new StorageError('bad_request', `${call} ${where}: ${code} (${status})${said}`, status, 'the S3 service refused the request: check the s3:// URL (bucket, endpoint, forcePathStyle)');
  if (code === 'TimeoutError' || code === 'AbortError') return new StorageError('timeout', `${call} ${where}: no answer in time`, status, 'check network access to the endpoint (and ?endpoint= in the s3:// URL)');
  return new StorageError('network', `${call} ${where}: ${e.code ? `${e.code} ` : ''}${e.message ?? code}`, status, 'check network access to the endpoint (and ?endpoint= in the s3:// URL)');
}

function resourceOf(call: S3Call, where: string): string {
  const bucket = /^s3:\/\/([^/]+)/.exec(where)?.[1] ?? 'BUCKET';
  return call === 'ListObjectsV2' || call === 'GetBucketVersioning' ? `arn:aws:s3:::${bucket}` : `arn:aws:s3:::${bucket}/*`;
}
