import { createHash, randomBytes } from 'node:crypto';
import { ApiError, firstString, type Multipart } from './http-util.js';
import { normalizeAsset, resourceJson, type UrlBase } from './resources.js';
import type { AssetStore } from './store.js';
import { DELIVERY_TYPES, type AssetInput, type DeliveryType, type EmulatorAsset, type ResourceType } from './types.js';

const MIME_EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'application/pdf': 'pdf',
  'text/plain': 'txt',
  'application/json': 'json',
};

const EXT_MIME: Record<string, string> = Object.fromEntries(Object.entries(MIME_EXT).map(([m, e]) => [e, m]));
EXT_MIME.jpeg = 'image/jpeg';

export function mimeFor(format: string): string {
  return EXT_MIME[format.toLowerCase()] ?? 'application/octet-stream';
}

function sniffFormat(data: Buffer): string | undefined {
  if (data.length >= 8 && data.readUInt32BE(0) === 0x89504e47) return 'png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpg';
  if (data.length >= 6 && data.subarray(0, 4).toString('latin1') === 'GIF8') return 'gif';
  if (data.length >= 12 && data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (data.length >= 5 && data.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  return undefined;
}

function pngSize(data: Buffer): { width: number; height: number } | undefined {
  if (data.length >= 24 && data.readUInt32BE(0) === 0x89504e47 && data.subarray(12, 16).toString('latin1') === 'IHDR') {
    return { width: data.readUInt32BE(16), height: data.readUInt32BE(20) };
  }
  return undefined;
}

function extOf(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

/**
 * Upload API subset for restores: stores the bytes under the requested public_id. The signature
 * is not verified (only the api_key is checked) because the emulator trusts its callers and
 * re-implementing signing would only duplicate the SDK.
 */
export function handleUpload(
  store: AssetStore,
  now: Date,
  urlBase: UrlBase,
  rt: ResourceType | 'auto',
  form: Multipart,
): { status: number; body: unknown } {
  const { fields, files } = form;
  let data: Buffer;
  let filename: string | undefined;
  let mime: string | undefined;
  const file = files.file;
  if (file) {
    data = file.data;
    filename = file.filename;
  } else {
    const f = firstString(fields.file);
    if (f === undefined) throw new ApiError(400, 'Missing required parameter - file');
    const m = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s.exec(f);
    if (!m) throw new ApiError(400, 'Emulator uploads accept only file bodies or data: URIs, not remote URLs');
    mime = m[1] || undefined;
    const payload = m[3] ?? '';
    data = /;base64/i.test(m[2] ?? '') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
  }

  const typeRaw = firstString(fields.type) ?? 'upload';
  if (!(DELIVERY_TYPES as readonly string[]).includes(typeRaw)) throw new ApiError(400, `Invalid type ${typeRaw}`);
  const type = typeRaw as DeliveryType;
  const sniffed = sniffFormat(data);
  const resourceType: ResourceType = rt !== 'auto' ? rt : sniffed && sniffed !== 'pdf' ? 'image' : 'raw';

  let publicId = firstString(fields.public_id);
  const useFilename = firstString(fields.use_filename) === 'true' || firstString(fields.use_filename) === '1';
  if (!publicId) {
    const base = filename && useFilename ? filename.replace(/\.[^.]*$/, '') : randomBytes(10).toString('hex');
    publicId = resourceType === 'raw' && filename && extOf(filename) ? `${base}.${extOf(filename)}` : base;
  }
  const folder = firstString(fields.folder);
  if (folder && !publicId.startsWith(`${folder.replace(/\/+$/, '')}/`)) publicId = `${folder.replace(/\/+$/, '')}/${publicId}`;

  const overwrite = firstString(fields.overwrite);
  const existing = store.get(resourceType, type, publicId);
  if (existing && (overwrite === 'false' || overwrite === '0')) {
    return { status: 200, body: { ...resourceJson(existing, urlBase), existing: true } };
  }

  const format =
    resourceType === 'raw'
      ? (extOf(publicId) ?? '')
      : (firstString(fields.format) ?? sniffed ?? (mime ? MIME_EXT[mime] : undefined) ?? (filename ? extOf(filename) : undefined) ?? (resourceType === 'video' ? 'mp4' : 'jpg'));
  const input: AssetInput = { public_id: publicId, resource_type: resourceType, type, format, bytes: data.length, data };
  const size = pngSize(data);
  if (size) Object.assign(input, size);
  const { asset, ms } = normalizeAsset(input, now);
  store.put(asset, ms);
  const body = {
    ...resourceJson(asset, urlBase),
    signature: createHash('sha1').update(`${asset.public_id}${asset.version}`).digest('hex'),
    etag: createHash('md5').update(data).digest('hex'),
    tags: [],
    placeholder: false,
    original_filename: filename ? filename.replace(/\.[^.]*$/, '') : 'file',
    api_key: firstString(fields.api_key),
  };
  return { status: 200, body };
}

/**
 * Bytes for delivery. Assets added without data get deterministic filler of the recorded size so
 * downloads (and HEAD content-length) still agree with `bytes`.
 */
export function assetBytes(a: EmulatorAsset): Buffer {
  if (a.data) return a.data;
  const seed = createHash('sha256').update(a.asset_id).digest();
  const out = Buffer.allocUnsafe(a.bytes);
  for (let i = 0; i < out.length; i += seed.length) seed.copy(out, i, 0, Math.min(seed.length, out.length - i));
  return out;
}

/** Resolves /CLOUD/<rt>/<type>/[v123/]<public_id>[.<format>] (segments after the cloud name). */
export function resolveDelivery(store: AssetStore, segs: string[]): EmulatorAsset | undefined {
  const [rt, type, ...rest] = segs;
  if (!rt || !type || rest.length === 0) return undefined;
  if (/^v\d+$/.test(rest[0] ?? '') && rest.length > 1) rest.shift();
  const full = rest.join('/');
  if (rt === 'raw') return store.get(rt, type, full);
  const dot = full.lastIndexOf('.');
  const slash = full.lastIndexOf('/');
  if (dot > slash + 1) {
    const a = store.get(rt, type, full.slice(0, dot));
    if (a) return a;
  }
  return store.get(rt, type, full);
}
