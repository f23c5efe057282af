/**
 * The Upload API's `GET /v1_1/:cloud/:resource_type/download` (what the SDK's
 * `private_download_url` builds): serves an original of any delivery type when the request is
 * signed with the account's secret, as Cloudinary does. It is not an Admin API call.
 */
import { createHash } from 'node:crypto';
import type { AssetStore } from './store.js';
import type { EmulatorAsset } from './types.js';

/** Cloudinary's request signature: sorted `k=v` pairs joined by `&`, secret appended, SHA-1. */
export function signParams(params: Record<string, string>, secret: string): string {
  const text = Object.entries(params)
    .filter(([k, v]) => v !== '' && !['signature', 'api_key', 'resource_type', 'file', 'cloud_name'].includes(k))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`.replace(/&/g, '%26'))
    .join('&');
  return createHash('sha1').update(text + secret).digest('hex');
}

export type DownloadResult = { status: 200; asset: EmulatorAsset } | { status: 400 | 401 | 404; message: string };

export function resolveDownload(
  store: AssetStore,
  resourceType: string,
  params: Record<string, string>,
  account: { apiKey: string; apiSecret: string },
  now: Date,
): DownloadResult {
  if (params.api_key !== account.apiKey) return { status: 401, message: `Invalid api_key ${params.api_key ?? ''}` };
  if (!params.signature || params.signature !== signParams(params, account.apiSecret)) return { status: 401, message: 'Invalid Signature' };
  if (params.expires_at && Number(params.expires_at) * 1000 < now.getTime()) return { status: 401, message: 'Expired' };
  if (!params.public_id) return { status: 400, message: 'Missing required parameter - public_id' };
  const asset = store.get(resourceType, params.type || 'upload', params.public_id);
  if (!asset) return { status: 404, message: `Resource not found - ${params.public_id}` };
  return { status: 200, asset };
}
