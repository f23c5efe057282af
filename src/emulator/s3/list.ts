/**
 * ListObjectsV2 over a bucket store, as the S3 API reference describes it: keys in UTF-8 binary
 * order after `start-after` (first page) or the continuation token; with a delimiter, keys that
 * hold it after the prefix roll up into one CommonPrefixes entry each; MaxKeys (at most 1,000)
 * counts keys and common prefixes together; KeyCount is what the page holds.
 */
import type { BucketStore, S3Object } from './store.js';
import { compareKeys } from './store.js';

export const MAX_KEYS = 1000;

export interface ListRequest {
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  continuationToken?: string;
  startAfter?: string;
}

export interface ListResult {
  contents: S3Object[];
  commonPrefixes: string[];
  isTruncated: boolean;
  nextContinuationToken?: string;
}

/** Opaque to clients; here the last item returned (a key or a common prefix). */
const encodeToken = (last: string): string => Buffer.from(`v1:${last}`, 'utf8').toString('base64url');

export function decodeToken(token: string): string | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  return text.startsWith('v1:') ? text.slice(3) : undefined;
}

export function listObjects(store: BucketStore, req: ListRequest, marker: string | undefined): ListResult {
  const keys = store.keys();
  const { prefix, delimiter } = req;
  // a marker that is a common prefix (it holds the delimiter after the prefix) skips what it rolled up
  const skipUnder = marker !== undefined && delimiter && marker.startsWith(prefix) && marker.slice(prefix.length).includes(delimiter) ? marker : undefined;
  let i = marker !== undefined && compareKeys(marker, prefix) >= 0 ? store.indexAfter(marker) : lowerBound(store, prefix);
  const contents: S3Object[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let count = 0;
  for (; i < keys.length; i++) {
    const key = keys[i]!;
    if (!key.startsWith(prefix)) {
      if (compareKeys(key, prefix) > 0) break;
      continue;
    }
    if (skipUnder && key.startsWith(skipUnder)) continue;
    let item: { kind: 'key'; key: string } | { kind: 'prefix'; prefix: string } = { kind: 'key', key };
    if (delimiter) {
      const at = key.indexOf(delimiter, prefix.length);
      if (at >= 0) item = { kind: 'prefix', prefix: key.slice(0, at + delimiter.length) };
    }
    if (item.kind === 'prefix' && item.prefix === commonPrefixes.at(-1)) continue;
    if (count === req.maxKeys) return { contents, commonPrefixes, isTruncated: true, nextContinuationToken: encodeToken(last!) };
    count++;
    if (item.kind === 'key') {
      contents.push(store.get(key)!);
      last = key;
    } else {
      commonPrefixes.push(item.prefix);
      last = item.prefix;
    }
  }
  return { contents, commonPrefixes, isTruncated: false };
}

function lowerBound(store: BucketStore, value: string): number {
  const keys = store.keys();
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid]!, value) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
