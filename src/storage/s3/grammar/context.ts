/** What the S3 grammar knows of the bucket to read a reference, built once per run from the storage URL. */

export interface S3GrammarContext {
  bucket: string;
  /** The configured key prefix ('' or ending in '/'): the audit covers only keys under it. */
  prefix: string;
  /**
   * Host (with a non-default port) of a custom endpoint (MinIO, R2, Spaces, B2…); absent for AWS.
   * With a custom endpoint, AWS URLs name another service's bucket of the same name.
   */
  endpointHost?: string;
  /** Where the endpoint serves buckets under a path (`https://host/base`), without trailing '/'. */
  endpointPath?: string;
  /** storage.hosts: CDN hosts (CloudFront, r2.dev, a custom domain), each `host[/path]`, lower-cased. */
  hosts: Array<{ host: string; path: string }>;
}

export function s3GrammarContext(input: { bucket: string; prefix?: string; endpoint?: string; hosts?: readonly string[] }): S3GrammarContext {
  const prefix = normalisePrefix(input.prefix ?? '');
  let endpointHost: string | undefined;
  let endpointPath: string | undefined;
  if (input.endpoint) {
    const url = new URL(input.endpoint);
    if (!/(^|\.)amazonaws\.com(\.cn)?$/i.test(url.hostname)) {
      endpointHost = url.host.toLowerCase();
      endpointPath = url.pathname.replace(/\/+$/, '');
    }
  }
  const hosts = (input.hosts ?? []).map((h) => {
    const text = h.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/^\/\//, '');
    const slash = text.indexOf('/');
    const host = (slash < 0 ? text : text.slice(0, slash)).toLowerCase();
    const path = slash < 0 ? '' : text.slice(slash).replace(/\/+$/, '');
    return { host, path };
  });
  return { bucket: input.bucket, prefix, ...(endpointHost ? { endpointHost, endpointPath } : {}), hosts };
}

/** A prefix names a folder: `media` and `media/` both mean keys under `media/`. */
export function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}
