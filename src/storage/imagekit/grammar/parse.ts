/**
 * One stored value read as an ImageKit reference. Files are named by their path (`/folder/a.jpg`,
 * the `filePath` the API reports); a value names one as:
 * - a delivery URL on `ik.imagekit.io/<urlEndpointId>/…` (with or without scheme), or on a custom
 *   endpoint listed in `storage.hosts` (`media.example.com`, or `https://cdn.example.com/ik` with a
 *   path prefix that is not part of the file path);
 * - transformations in the path (`tr:w-300`, chained `tr:w-300,h-200:rt-90`, named `tr:n-thumb`),
 *   only as the first segment after the endpoint, or in the query (`?tr=w-300`), which is dropped
 *   with every other query (signatures `ik-s`/`ik-t`, cache busters) and any fragment;
 * - a bare path, absolute (`/folder/a.jpg`) or relative to the root (`folder/a.jpg`, what Django
 *   storages save as the name);
 * - a derived output named after the source's path: `/ik-thumbnail.jpg` (a frame of a video, a page
 *   of a PDF/PSD, a frame of an animated image), `/ik-master.m3u8` and `/ik-master.mpd` (streaming
 *   manifests), `/ik-video.mp4` (a video without an mp4 extension), chained as in
 *   `a.mov/ik-video.mp4/ik-thumbnail.jpg`. It names the source; a file stored under the whole path
 *   is the other candidate. Any other `ik-….ext` last segment is read both ways and required by neither.
 * Not ours: another endpoint id on ik.imagekit.io, the API and upload hosts, other hosts. A bare
 * 24-hex value looks like a fileId, which names no path: refused, so the report shows it.
 */
import type { AssetKey, ParsedReference } from '../../../references/types.js';

export const SHARED_HOST = 'ik.imagekit.io';
/** ImageKit's own hosts that never deliver a file of the library. */
const SERVICE_HOSTS = new Set(['api.imagekit.io', 'upload.imagekit.io', 'imagekit.io', 'www.imagekit.io', 'docs.imagekit.io']);
const FILE_ID_RE = /^[0-9a-f]{24}$/;
const TRANSFORM_SEGMENT_RE = /^tr:[^/]*$/;

export interface ImageKitContext {
  urlEndpointId: string;
  /** Custom endpoints: a host (`media.example.com`) or a URL with an optional path prefix. */
  hosts?: readonly string[];
}

/** A custom endpoint as host + path prefix ('' or `/prefix`). */
export interface Endpoint {
  host: string;
  prefix: string;
}

export function customEndpoints(ctx: ImageKitContext): Endpoint[] {
  return (ctx.hosts ?? []).flatMap((h) => {
    const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(h) ? h : `https://${h}`;
    try {
      const u = new URL(text);
      return [{ host: u.host.toLowerCase(), prefix: u.pathname.replace(/\/+$/, '') }];
    } catch {
      return [];
    }
  });
}

/**
 * The audit's key of a file: its filePath without the leading '/' (`folder/a.jpg`), the form
 * Django storages save as the name and the form every other backend's keys take.
 */
export const keyOfPath = (filePath: string): string => filePath.replace(/^\//, '');

/** The derived outputs ImageKit documents (video thumbnails and streaming, "Supporting files without mp4 extension"). */
const DERIVED_SEGMENTS = new Set(['ik-thumbnail.jpg', 'ik-master.m3u8', 'ik-master.mpd', 'ik-video.mp4']);
/** Looks like one, but is not documented (another case, a new output): the source may or may not be meant. */
const DERIVED_LIKE_RE = /^ik-[a-z0-9_-]+\.[a-z0-9]+$/i;

/**
 * Every file a path may name once trailing derived-output segments are read as such: the source
 * first, then each longer path up to the whole one. `certain` when every stripped segment is documented.
 */
export function derivedReadings(filePath: string): { paths: string[]; certain: boolean } {
  const segs = filePath.split('/');
  let end = segs.length;
  let certain = true;
  // segs[0] is '' (the leading '/'): a source keeps at least one segment of its own
  while (end > 2 && DERIVED_LIKE_RE.test(segs[end - 1]!)) {
    if (!DERIVED_SEGMENTS.has(segs[end - 1]!)) certain = false;
    end--;
  }
  const paths: string[] = [];
  for (let i = end; i <= segs.length; i++) paths.push(segs.slice(0, i).join('/'));
  return { paths, certain };
}

function asset(filePath: string): ParsedReference {
  const { paths, certain } = derivedReadings(filePath);
  const candidates = paths.map((p) => ({ publicId: keyOfPath(p) }));
  return certain ? { kind: 'asset', candidates } : { kind: 'asset', candidates, protectOnly: true };
}

/** `folder/a.jpg` or `/folder/a.jpg` as the library's path, or why it cannot be one. */
export function normalisePath(raw: string): { path: string } | { reason: string } {
  let p = raw;
  try {
    p = decodeURIComponent(raw);
  } catch {
    return { reason: 'malformed percent-encoding' };
  }
  if (!p.startsWith('/')) p = `/${p}`;
  if (p.endsWith('/')) return { reason: 'a folder, not a file' };
  const segs = p.split('/').slice(1);
  if (segs.some((s) => s === '' || s === '.' || s === '..')) return { reason: 'empty, "." or ".." path segment' };
  if (/[\u0000-\u001f\u007f]/.test(p) || p !== p.trim()) return { reason: 'control characters or surrounding whitespace in a path' };
  return { path: p };
}

/** The file path a URL path names below an endpoint, dropping a leading transformation segment. */
function pathBelow(rest: string): ParsedReference {
  let r = rest.replace(/^\/+/, '');
  const first = r.split('/')[0] ?? '';
  if (TRANSFORM_SEGMENT_RE.test(first)) r = r.slice(first.length + 1);
  if (r === '') return { kind: 'invalid', reason: 'no file path after the URL endpoint' };
  const n = normalisePath(r);
  return 'path' in n ? asset(n.path) : { kind: 'invalid', reason: n.reason };
}

const URLISH_RE = /^(?:[a-z][a-z0-9+.-]*:)?\/\//i;
const SCHEMELESS_RE = /^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\//i;

export function parseUrl(raw: string, ctx: ImageKitContext): ParsedReference {
  const text = URLISH_RE.test(raw) ? (raw.startsWith('//') ? `https:${raw}` : raw) : `https://${raw}`;
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return { kind: 'invalid', reason: 'unparseable URL' };
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return { kind: 'foreign', reason: `${u.protocol} URL`, noAsset: true };
  const host = u.host.toLowerCase();
  // the raw path, so percent-encoding is decoded once, by normalisePath
  const path = u.pathname;
  if (host === SHARED_HOST) {
    const id = path.split('/')[1] ?? '';
    if (id === '') return { kind: 'invalid', reason: 'no URL endpoint id' };
    if (id !== ctx.urlEndpointId) return { kind: 'foreign', reason: `another ImageKit URL endpoint (${id})`, noAsset: true };
    return pathBelow(path.slice(id.length + 1));
  }
  for (const e of customEndpoints(ctx)) {
    if (host !== e.host) continue;
    if (e.prefix && path !== e.prefix && !path.startsWith(`${e.prefix}/`)) continue;
    return pathBelow(path.slice(e.prefix.length));
  }
  if (SERVICE_HOSTS.has(host) || host.endsWith('.imagekit.io')) return { kind: 'foreign', reason: `ImageKit service host ${host}`, noAsset: true };
  return { kind: 'foreign', reason: `another host (${host})` };
}

/** A whole stored value as one reference. */
export function parseReference(value: string, ctx: ImageKitContext): ParsedReference {
  const v = value.trim();
  if (v === '') return { kind: 'invalid', reason: 'empty' };
  if (URLISH_RE.test(v) || SCHEMELESS_RE.test(v)) {
    // `folder.v2/a.jpg` reads like a scheme-less host: only known hosts make it a URL
    if (!URLISH_RE.test(v) && !isKnownHost(v.slice(0, v.indexOf('/')), ctx)) return bare(v);
    return parseUrl(v, ctx);
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(v) && !v.startsWith('/')) return { kind: 'foreign', reason: 'not a path or an http(s) URL', noAsset: true };
  return bare(v);
}

function bare(v: string): ParsedReference {
  if (FILE_ID_RE.test(v)) return { kind: 'invalid', reason: 'looks like an ImageKit fileId; references are file paths or URLs' };
  const n = normalisePath(v.split(/[?#]/)[0]!);
  return 'path' in n ? asset(n.path) : { kind: 'invalid', reason: n.reason };
}

export function isKnownHost(host: string, ctx: ImageKitContext): boolean {
  const h = host.toLowerCase();
  return h === SHARED_HOST || customEndpoints(ctx).some((e) => e.host === h);
}

/** Readings that can only protect: what a refused value may still name. */
export function protectOnly(raw: string, refused: Exclude<ParsedReference, { kind: 'asset' }>): AssetKey[] {
  if (refused.kind === 'foreign' && refused.noAsset) return [];
  const v = raw.trim();
  if (v === '') return [];
  if (refused.kind === 'foreign') {
    // a custom endpoint not listed in storage.hosts: its path, with or without a first segment as prefix
    try {
      const segs = new URL(URLISH_RE.test(v) ? (v.startsWith('//') ? `https:${v}` : v) : `https://${v}`).pathname.split('/').slice(1);
      if (segs[0] && TRANSFORM_SEGMENT_RE.test(segs[0])) segs.shift();
      const out: AssetKey[] = [];
      for (const s of [segs, segs.slice(1)]) {
        const n = s.length ? normalisePath(s.join('/')) : undefined;
        if (n && 'path' in n) out.push(...derivedReadings(n.path).paths.map((p) => ({ publicId: keyOfPath(p) })));
      }
      return out;
    } catch {
      return [];
    }
  }
  const n = normalisePath(v.split(/[?#]/)[0]!);
  return 'path' in n ? derivedReadings(n.path).paths.map((p) => ({ publicId: keyOfPath(p) })) : [];
}
