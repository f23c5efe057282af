/**
 * `s3://BUCKET[/PREFIX]?region=…&endpoint=…&forcePathStyle=true`: which bucket, which part of it,
 * and where the service is. Credentials never go in this URL: they come from the standard AWS
 * chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, SSO, web identity,
 * container and instance roles), so the URL can be logged and kept in a config file.
 */
import { usageError } from '../../errors.js';
import { normalisePrefix } from './grammar/context.js';

export interface S3Location {
  bucket: string;
  /** '' or ending in '/'. */
  prefix: string;
  region?: string;
  /** A custom endpoint (MinIO, R2, Spaces, B2, an emulator); absent for AWS. */
  endpoint?: string;
  forcePathStyle: boolean;
  /** The URL as reports and logs show it (it holds nothing secret). */
  display: string;
}

const PARAMS = ['region', 'endpoint', 'forcePathStyle'] as const;
/** S3's bucket rules, loosened for older buckets and other stores (upper case, '_'). */
const BUCKET_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/;

export function parseS3Url(url: string, origin: string): S3Location {
  const m = /^s3:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(url.trim());
  const example = 's3://BUCKET[/PREFIX]?region=REGION[&endpoint=https://HOST&forcePathStyle=true]';
  if (!m) throw usageError(`${origin}: not an S3 URL; expected ${example}.`);
  const [, authority = '', path = '', query = ''] = m;
  if (authority.includes('@')) {
    throw usageError(
      `${origin}: credentials do not go in the S3 URL. Remove "…@" and give them the standard AWS way: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the role of the machine.`,
    );
  }
  if (!BUCKET_RE.test(authority)) throw usageError(`${origin}: "${authority}" is not a bucket name; expected ${example}.`);
  let prefix: string;
  try {
    prefix = normalisePrefix(decodeURIComponent(path));
  } catch {
    throw usageError(`${origin}: the prefix "${path}" is not valid percent-encoding.`);
  }
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (!(PARAMS as readonly string[]).includes(key)) {
      const secretish = /key|secret|token|password|credential/i.test(key);
      throw usageError(
        secretish
          ? `${origin}: "${key}" does not go in the S3 URL; credentials come from the standard AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, the machine's role).`
          : `${origin}: unknown S3 URL parameter "${key}"; known: ${PARAMS.join(', ')}.`,
      );
    }
  }
  const endpoint = params.get('endpoint') ?? undefined;
  if (endpoint !== undefined) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(endpoint);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) throw usageError(`${origin}: endpoint=${endpoint} is not an http(s) URL.`);
    if (parsed.username || parsed.password) throw usageError(`${origin}: credentials do not go in the endpoint URL; use the standard AWS chain.`);
  }
  const style = params.get('forcePathStyle');
  if (style !== null && style !== 'true' && style !== 'false') throw usageError(`${origin}: forcePathStyle must be true or false, not "${style}".`);
  const region = params.get('region') || undefined;
  return {
    bucket: authority,
    prefix,
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: style === 'true',
    display: `s3://${authority}/${prefix}${query ? `?${query}` : ''}`,
  };
}
