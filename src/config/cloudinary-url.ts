import { usageError } from '../errors.js';
import { registerSecret } from './redact.js';
import { decodeOrRefuse } from './url-credentials.js';

export interface CloudinaryCredentials {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  /** Extra SDK settings from the query string, e.g. upload_prefix for EU/AP regions or tests. */
  params: Record<string, string>;
  /** Safe to print: the secret masked. */
  masked: string;
}

const HOW =
  'Set it to cloudinary://API_KEY:API_SECRET@CLOUD_NAME (Cloudinary Console → Settings → API Keys).';

export function parseCloudinaryUrl(value: string | undefined): CloudinaryCredentials {
  if (!value || value.trim() === '') throw usageError(`CLOUDINARY_URL is not set. ${HOW}`);
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`CLOUDINARY_URL is not a valid URL. ${HOW}`);
  }
  registerSecret(url.password);
  const apiSecret = decodeOrRefuse(url.password, 'CLOUDINARY_URL');
  registerSecret(apiSecret);
  if (url.protocol !== 'cloudinary:') {
    throw usageError(`CLOUDINARY_URL must start with cloudinary:// (got ${url.protocol}//). ${HOW}`);
  }
  const apiKey = decodeOrRefuse(url.username, 'CLOUDINARY_URL');
  const cloudName = url.hostname;
  if (!apiKey || !apiSecret || !cloudName) {
    throw usageError(`CLOUDINARY_URL is missing the ${!cloudName ? 'cloud name' : !apiKey ? 'API key' : 'API secret'}. ${HOW}`);
  }
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) params[k] = v;
  const query = url.search;
  return { cloudName, apiKey, apiSecret, params, masked: `cloudinary://${apiKey}:****@${cloudName}${query}` };
}
