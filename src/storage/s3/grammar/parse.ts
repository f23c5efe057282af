/**
 * One stored value read as a reference to an object of the configured bucket: `s3://bucket/key`,
 * virtual-hosted and path-style AWS URLs (regional, dual-stack, legacy `s3.amazonaws.com` and
 * `s3-region`), a custom endpoint's URLs, CDN hosts from storage.hosts, and bare keys (full, or
 * relative to the configured prefix as django-storages' AWS_LOCATION stores them). Queries and
 * fragments are dropped (presigned URLs, `?versionId=`). Ambiguous readings are all candidates:
 * each protects, and the reference is present when any exists.
 */
import type { AssetKey, ParsedReference } from '../../../references/types.js';
import type { S3GrammarContext } from './context.js';

/** Why a URL was set aside when it is not one of this store's hosts at all (text scans skip those). */
export const UNRELATED = 'not a URL of this bucket';
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;

const AWS_VIRTUAL = /^(.+)\.s3(?:-website|-accelerate)?(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;
const AWS_PATH = /^s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/;
const NO_ASSET_SCHEMES = /^(?:data|mailto|tel|javascript|blob|about):/i;
// also percent-encoded (once or more) inside an outer URL's query: `?url=https%3A…%26X-Amz-Signature%3D…`
const SIGNING_PARAMS = /(?:^|[?&]|%(?:25)*(?:3F|26))(?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|AWSAccessKeyId)(?:=|%(?:25)*3D)/i;

const foreign = (reason: string, noAsset = false): ParsedReference => ({ kind: 'foreign', reason, ...(noAsset ? { noAsset: true as const } : {}) });

/** Whether a URL carries a presigned query, its own or an inner URL's (its signature is a credential: never repeated). */
export function isPresigned(url: string): boolean {
  const q = queryStart(url);
  return q >= 0 && SIGNING_PARAMS.test(url.slice(q));
}

/** Where a URL's query starts: its '?', or else an encoded one (a whole URL stored percent-encoded); -1: none. */
export function queryStart(url: string): number {
  const q = url.indexOf('?');
  return q >= 0 ? q : url.search(/%(?:25)*3F/i);
}

export function parseS3Reference(input: string, ctx: S3GrammarContext): ParsedReference {
  const value = input.trim();
  if (value === '') return { kind: 'invalid', reason: 'empty value' };
  if (/^s3:\/\//i.test(value)) return parseS3Uri(value, ctx);
  if (/^(?:https?:)?\/\//i.test(value)) return parseHttpUrl(value, ctx);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || NO_ASSET_SCHEMES.test(value)) return foreign('a URL of another scheme', true);
  return bareKey(value, ctx);
}

function parseS3Uri(value: string, ctx: S3GrammarContext): ParsedReference {
  const rest = value.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  if (bucket !== ctx.bucket) return foreign(`another bucket (${bucket})`, true);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  if (key === '') return foreign('names the bucket, not an object', true);
  // the AWS CLI writes keys unencoded; a percent-encoded one is read both ways
  return inScope(keyReadings(key, false), ctx);
}

function parseHttpUrl(value: string, ctx: S3GrammarContext): ParsedReference {
  let url: URL;
  try {
    url = new URL(value.startsWith('//') ? `https:${value}` : value);
  } catch {
    return { kind: 'invalid', reason: 'not a valid URL' };
  }
  const host = url.host.toLowerCase();
  const hostname = url.hostname.toLowerCase();
  const path = url.pathname;

  for (const cdn of ctx.hosts) {
    if (host !== cdn.host && hostname !== cdn.host) continue;
    if (cdn.path && !path.startsWith(`${cdn.path}/`)) continue;
    const rest = path.slice(cdn.path.length + 1);
    if (rest === '') return foreign('names the CDN host, not an object', true);
    // a CDN path is the key, or the key below the configured prefix (an origin path)
    const readings = keyReadings(rest, true);
    return inScope([...readings, ...readings.map((k) => ctx.prefix + k)], ctx);
  }

  if (ctx.endpointHost) {
    const base = ctx.endpointPath ?? '';
    if (host === ctx.endpointHost) return pathStyle(path.startsWith(`${base}/`) ? path.slice(base.length) : path, ctx);
    if (host === `${ctx.bucket}.${ctx.endpointHost}`) return virtualHosted(path, ctx);
    if (host.endsWith(`.${ctx.endpointHost}`)) return foreign('another bucket on the endpoint', true);
    const aws = AWS_VIRTUAL.exec(hostname)?.[1] ?? (AWS_PATH.test(hostname) ? firstSegment(path) : undefined);
    // the same bucket name on AWS is another service's bucket; its key is protected, never required
    if (aws === ctx.bucket) return foreign('an AWS S3 URL, but the store is at a custom endpoint');
    if (aws !== undefined) return foreign('another bucket', true);
    return foreign(UNRELATED);
  }

  const virtual = AWS_VIRTUAL.exec(hostname)?.[1];
  if (virtual !== undefined) return virtual === ctx.bucket ? virtualHosted(path, ctx) : foreign(`another bucket (${virtual})`, true);
  if (AWS_PATH.test(hostname)) return pathStyle(path, ctx);
  return foreign(UNRELATED);
}

const firstSegment = (path: string): string => safeDecode(path.split('/')[1] ?? '') ?? '';

function pathStyle(path: string, ctx: S3GrammarContext): ParsedReference {
  const segments = path.split('/');
  const bucket = safeDecode(segments[1] ?? '') ?? '';
  if (bucket !== ctx.bucket) return foreign(bucket ? `another bucket (${bucket})` : 'names no bucket', true);
  return virtualHosted(path.slice(1 + (segments[1] ?? '').length), ctx);
}

function virtualHosted(path: string, ctx: S3GrammarContext): ParsedReference {
  const key = path.replace(/^\//, '');
  if (key === '') return foreign('names the bucket, not an object', true);
  return inScope(keyReadings(key, true), ctx);
}

function bareKey(value: string, ctx: S3GrammarContext): ParsedReference {
  if (/[\r\n]/.test(value)) return { kind: 'invalid', reason: 'a key holds no line break' };
  // a stored `/media/a.jpg` is a path (Active Storage, url.pathname) more often than a key that starts with '/'
  const trimmed = value.replace(/^\/+/, '');
  const written = trimmed === value ? [value] : [trimmed, value];
  // a key copied out of a URL keeps its percent-encoding: its decoded form is a reading too
  const readings = written.flatMap((k) => keyReadings(k, false));
  return inScope([...readings, ...readings.map((k) => ctx.prefix + k)], ctx);
}

/**
 * A key as written: a URL path is percent-encoded (invalid encoding is read as written) and S3 reads
 * a '+' in a path as a space, so both readings stand; an s3:// URI is not encoded (the AWS CLI's
 * form), yet one that looks encoded is read both ways.
 */
function keyReadings(raw: string, encoded: boolean): string[] {
  if (!encoded) {
    const decoded = /%[0-9a-f]{2}/i.test(raw) ? safeDecode(raw) : undefined;
    return decoded !== undefined && decoded !== raw ? [raw, decoded] : [raw];
  }
  const out = [safeDecode(raw) ?? raw];
  if (raw.includes('+')) out.push(safeDecode(raw.replaceAll('+', '%20')) ?? raw.replaceAll('+', ' '));
  return out;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The readings under the configured prefix, deduplicated; none: the value names a key outside it. */
function inScope(readings: string[], ctx: S3GrammarContext): ParsedReference {
  // a signature that decoding brought into a key is a credential, not part of a key anyone chose
  const unsigned = readings.map((k) => (isPresigned(k) ? k.slice(0, queryStart(k)) : k));
  const keys = [...new Set(unsigned)].filter((k) => k !== '' && k.startsWith(ctx.prefix) && k !== ctx.prefix && Buffer.byteLength(k) <= MAX_KEY_BYTES);
  if (keys.length === 0) return foreign(`outside the configured prefix (${ctx.prefix || 'none'})`, true);
  return { kind: 'asset', candidates: keys.map((publicId): AssetKey => ({ publicId })) };
}
