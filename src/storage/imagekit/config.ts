/**
 * Which ImageKit library to audit: `imagekit://PUBLIC_KEY:PRIVATE_KEY@URL_ENDPOINT_ID` (the id in
 * `https://ik.imagekit.io/<id>`), or `imagekit://` alone with the variables ImageKit's SDKs and
 * docs use: IMAGEKIT_PRIVATE_KEY (read by @imagekit/nodejs itself), IMAGEKIT_PUBLIC_KEY and
 * IMAGEKIT_URL_ENDPOINT (`https://ik.imagekit.io/<id>`). Query settings, for a proxy or the
 * emulator: `baseURL` (the API; IMAGE_KIT_BASE_URL as the SDK names it) and `urlEndpoint`
 * (delivery). The private key is registered as a secret: masked in every diagnostic.
 */
import { usageError } from '../../errors.js';
import { registerSecret } from '../../config/redact.js';
import { decodeOrRefuse } from '../../config/url-credentials.js';

export interface ImageKitCredentials {
  urlEndpointId: string;
  publicKey: string;
  privateKey: string;
  /** The API base URL (default https://api.imagekit.io). */
  baseURL?: string;
  /** The delivery endpoint (default https://ik.imagekit.io/<id>). */
  urlEndpoint: string;
  /** Safe to print. */
  masked: string;
}

const HOW =
  'Use imagekit://PUBLIC_KEY:PRIVATE_KEY@URL_ENDPOINT_ID (ImageKit dashboard → Developer options → API keys; the id is the last part of https://ik.imagekit.io/<id>), or imagekit:// with IMAGEKIT_PRIVATE_KEY and IMAGEKIT_URL_ENDPOINT set.';

const SHARED_ENDPOINT = 'https://ik.imagekit.io/';

export function parseImageKitUrl(value: string, origin: string, env: NodeJS.ProcessEnv): ImageKitCredentials {
  const text = value.trim();
  if (!/^imagekit:\/\//i.test(text)) throw usageError(`${origin} must start with imagekit://. ${HOW}`);
  const rest = text.slice('imagekit://'.length);
  const q = rest.indexOf('?');
  const main = q < 0 ? rest : rest.slice(0, q);
  const params = new URLSearchParams(q < 0 ? '' : rest.slice(q + 1));
  // the last '@': a private key may hold '/' or '+' that were not percent-encoded
  const at = main.lastIndexOf('@');
  const user = at < 0 ? '' : main.slice(0, at);
  const colon = user.indexOf(':');
  const rawPublic = colon < 0 ? user : user.slice(0, colon);
  const rawPrivate = colon < 0 ? '' : user.slice(colon + 1);
  registerSecret(rawPrivate);
  const privateKey = rawPrivate ? decodeOrRefuse(rawPrivate, origin) : (env.IMAGEKIT_PRIVATE_KEY ?? '');
  registerSecret(privateKey);
  const publicKey = rawPublic ? decodeOrRefuse(rawPublic, origin) : (env.IMAGEKIT_PUBLIC_KEY ?? '');
  const endpointEnv = (env.IMAGEKIT_URL_ENDPOINT ?? '').trim().replace(/\/+$/, '');
  let id = (at < 0 ? main : main.slice(at + 1)).replace(/\/+$/, '');
  if (!id && endpointEnv.startsWith(SHARED_ENDPOINT)) id = endpointEnv.slice(SHARED_ENDPOINT.length);
  if (!id) throw usageError(`${origin} names no URL endpoint id. ${HOW}`);
  if (!/^[A-Za-z0-9_-]+$/.test(id)) throw usageError(`${origin}: "${id}" is not a URL endpoint id (letters, digits, _ and - only). ${HOW}`);
  if (!privateKey) throw usageError(`${origin} has no private key (and IMAGEKIT_PRIVATE_KEY is not set). ${HOW}`);
  const baseURL = params.get('baseURL') ?? env.IMAGE_KIT_BASE_URL ?? undefined;
  const urlEndpoint = (params.get('urlEndpoint') ?? (endpointEnv && !endpointEnv.startsWith(SHARED_ENDPOINT) ? endpointEnv : `${SHARED_ENDPOINT}${id}`)).replace(/\/+$/, '');
  const query = params.toString();
  return {
    urlEndpointId: id,
    publicKey,
    privateKey,
    ...(baseURL ? { baseURL } : {}),
    urlEndpoint,
    masked: `imagekit://${publicKey ? `${publicKey}:` : ':'}****@${id}${query ? `?${query}` : ''}`,
  };
}
