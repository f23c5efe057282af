import { randomBytes } from 'node:crypto';
import { folderOf } from './search.js';
import { DELIVERY_TYPES, RESOURCE_TYPES, type AssetInput, type EmulatorAsset } from './types.js';

/** The real API reports created_at with whole seconds; keeping that precision avoids orderings the client can't see. */
export function isoSeconds(ms: number): string {
  // Date#toISOString costs ~1.5µs, which dominates loading a million assets; the date part is
  // cached per day and the time of day formatted by hand.
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayPrefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
  }
  let sec = Math.floor((ms - day * DAY_MS) / 1000);
  const h = Math.floor(sec / 3600);
  sec -= h * 3600;
  const m = Math.floor(sec / 60);
  sec -= m * 60;
  return `${cachedDayPrefix}${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${sec < 10 ? '0' : ''}${sec}Z`;
}

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

function extensionOf(publicId: string): string | undefined {
  const base = publicId.slice(publicId.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined;
}

/** Fills defaults the way an upload would have; returns the asset and its created_at in ms. */
export function normalizeAsset(input: AssetInput, now: Date): { asset: EmulatorAsset; ms: number } {
  if (typeof input.public_id !== 'string' || input.public_id === '') throw new Error('public_id is required');
  const resource_type = input.resource_type ?? 'image';
  const type = input.type ?? 'upload';
  if (!RESOURCE_TYPES.includes(resource_type)) throw new Error(`Unsupported resource_type ${String(resource_type)}`);
  if (!DELIVERY_TYPES.includes(type)) throw new Error(`Unsupported type ${String(type)}`);
  let ms = input.created_at !== undefined ? Date.parse(input.created_at) : now.getTime();
  if (Number.isNaN(ms)) throw new Error(`Invalid created_at ${String(input.created_at)}`);
  const whole = ms % 1000 === 0;
  ms = Math.floor(ms / 1000) * 1000;
  // Formatting dates dominates bulk loads; reuse the caller's string when it is already canonical.
  const createdAt =
    whole && input.created_at !== undefined && CANONICAL.test(input.created_at) ? input.created_at : isoSeconds(ms);
  const format =
    input.format ?? (resource_type === 'raw' ? (extensionOf(input.public_id) ?? '') : resource_type === 'video' ? 'mp4' : 'jpg');
  const asset: EmulatorAsset = {
    public_id: input.public_id,
    resource_type,
    type,
    format,
    bytes: input.bytes ?? input.data?.length ?? 1024,
    created_at: createdAt,
    asset_id: input.asset_id ?? randomBytes(16).toString('hex'),
    version: input.version ?? Math.floor(ms / 1000),
  };
  if (resource_type !== 'raw') {
    asset.width = input.width ?? 640;
    asset.height = input.height ?? 480;
  }
  if (input.data) asset.data = input.data;
  return { asset, ms };
}

/** Path of an asset below the cloud name: image/upload/v123/a/b.jpg. Raw ids already carry their extension. */
export function deliveryPath(a: EmulatorAsset): string {
  const id = a.public_id.split('/').map(encodeURIComponent).join('/');
  const file = a.resource_type === 'raw' || a.format === '' ? id : `${id}.${a.format}`;
  return `${a.resource_type}/${a.type}/v${a.version}/${file}`;
}

export interface UrlBase {
  http: string;
  https: string;
}

export function cloudinaryUrlBase(cloud: string): UrlBase {
  return { http: `http://res.cloudinary.com/${cloud}`, https: `https://res.cloudinary.com/${cloud}` };
}

/** The resource shape of list, lookup and search answers (fixed-folder mode). */
export function resourceJson(a: EmulatorAsset, base: UrlBase): Record<string, unknown> {
  const path = deliveryPath(a);
  const out: Record<string, unknown> = {
    asset_id: a.asset_id,
    public_id: a.public_id,
  };
  // Raw resources have no separate format in real responses; the extension is part of public_id.
  if (a.resource_type !== 'raw') out.format = a.format;
  out.version = a.version;
  out.resource_type = a.resource_type;
  out.type = a.type;
  out.created_at = a.created_at;
  out.bytes = a.bytes;
  if (a.width !== undefined) out.width = a.width;
  if (a.height !== undefined) out.height = a.height;
  out.folder = folderOf(a.public_id);
  out.access_mode = 'public';
  out.url = `${base.http}/${path}`;
  out.secure_url = `${base.https}/${path}`;
  return out;
}

/** Single-resource answers carry a few more fields than list entries. */
export function resourceDetailJson(a: EmulatorAsset, base: UrlBase): Record<string, unknown> {
  return { ...resourceJson(a, base), tags: [], derived: [] };
}
