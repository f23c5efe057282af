/**
 * parseReference: one stored value → the Cloudinary assets it may name.
 *
 * Resolution rules (the guiding principle: a missed reference can get a live asset deleted,
 * an extra candidate only costs a lookup — so when in doubt, return every reading):
 *
 * 1. Rejections. `invalid`: empty/blank, longer than 2048 chars, control characters, malformed
 *    %-encoding, a Cloudinary URL with no public id. `foreign`: non-Cloudinary URLs and other
 *    schemes (`data:`, `mailto:`, `s3://`...), local paths (`/x`), URLs of another cloud and
 *    cached search URLs (`…/search/<signature>/<ttl>/<base64>`; both `noAsset`: they name nothing
 *    here, so no fallback may protect by them), and delivery types that are not stored assets
 *    (`fetch`, `youtube`, `list`, `sprite`, `text`...).
 * 2. Forms recognised:
 *    - delivery URL: `[http(s):]//HOST/...` or scheme-less `HOST/...`; query and fragment dropped.
 *      HOST = `res[-N].cloudinary.com` (and legacy shared hosts) followed by the cloud name,
 *      `CLOUD-res[-N].cloudinary.com` (private CDN) or a `ctx.hosts` entry (CNAME /
 *      secure_distribution, also `aN.` sub-domains); on the last two the cloud segment is optional.
 *      Then `RT/TYPE/…`, the SEO prefixes `images|videos|files|private_images|authenticated_images/…`
 *      (last segment is the SEO suffix, dropped), `iu/…` (= image/upload), or a root path (= image/upload).
 *    - CloudinaryField / preloaded: `RT/TYPE/[vN/]id[.fmt][#signature]` (`#…` dropped).
 *    - anything else is a bare public id.
 * 3. Path after TYPE: signature segments (`s--…--`, 8 or 32 chars) are ignored. With a version
 *    segment (`v\d+`) everything before it is transformation and everything after is the id:
 *    one reading. Without one, each leading run of transformation-looking segments
 *    (`c_fill,w_300`, `t_name`, `$w_100`) may also be a folder: one candidate per split.
 * 4. Extension: raw ids keep it. Image/video: a known format (formats.ts) is stripped (a video URL
 *    ending `.jpg` is the video's poster: still the video); an unknown `.xyz` gives both readings.
 * 5. URL ids are %-decoded (also `+` → space as an extra reading). Stored (non-URL) forms are
 *    taken as-is, plus their decoded form when they contain `%`.
 * 6. Bare values: never a delivery `type`; candidates = the value as-is (any resource type) and,
 *    when it ends in a known format, the value without it; `ctx.resourceTypeHint` is applied
 *    (raw → as-is only). A leading `vNNN/` or trailing `?…`/`#…` adds the stripped reading.
 * 7. `transformationRuns(value, ctx)` gives the leading transformation-looking segments of each
 *    reading of a URL / CloudinaryField value of this account (also for `fetch` and other foreign
 *    delivery types: their layers are still this account's assets), for layers.ts.
 */
import type { DeliveryType, ResourceType } from '../partitions.js';
import { isKnownFormat, mediaIdReadings } from './formats.js';
import type { AssetKey, ParsedReference } from '../../../references/types.js';
import type { ParseContext } from './context.js';

export const MAX_REFERENCE_LENGTH = 2048;

const STORED_TYPES: ReadonlySet<string> = new Set<DeliveryType>(['upload', 'private', 'authenticated']);
const RESOURCE_TYPES: ReadonlySet<string> = new Set<ResourceType>(['image', 'video', 'raw']);
/** Delivery types that name something other than a stored asset of this account. */
export const FOREIGN_DELIVERY_TYPES: ReadonlySet<string> = new Set([
  'fetch', 'facebook', 'twitter', 'twitter_name', 'twitter_id', 'gravatar', 'youtube', 'hulu', 'vimeo',
  'animoto', 'worldstarhiphop', 'dailymotion', 'instagram', 'instagram_name', 'list', 'sprite', 'text',
  'multi', 'explode', 'asset', 'url2png', 'video_frame',
]);

interface Route { resourceType: ResourceType; type: DeliveryType; seo: boolean }
const PATH_PREFIXES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['images', { resourceType: 'image', type: 'upload', seo: true }],
  ['videos', { resourceType: 'video', type: 'upload', seo: true }],
  ['files', { resourceType: 'raw', type: 'upload', seo: true }],
  ['private_images', { resourceType: 'image', type: 'private', seo: true }],
  ['authenticated_images', { resourceType: 'image', type: 'authenticated', seo: true }],
  ['iu', { resourceType: 'image', type: 'upload', seo: false }],
]);
const ROOT_ROUTE: Route = { resourceType: 'image', type: 'upload', seo: false };

const SHARED_HOSTS: ReadonlySet<string> = new Set([
  'res.cloudinary.com', 'cloudinary-a.akamaihd.net', 'd3jpl91pxevbkh.cloudfront.net',
]);
const SHARED_N_HOST_RE = /^res-\d{1,2}\.cloudinary\.com$/;
const PRIVATE_HOST_RE = /^([a-z0-9-]+?)-res(?:-\d{1,2})?\.cloudinary\.com$/;
const CLOUDINARY_DOMAIN_RE = /(?:^|\.)cloudinary\.com$/;

// Everything below is anchored and linear (no nested quantifiers over the same characters).
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const HTTP_PREFIX_RE = /^(?:https?:)?\/\//i;
const OTHER_SCHEME_RE = /^(?:[a-z][a-z0-9+.-]{0,30}:\/\/|(?:data|mailto|javascript|blob|file|tel|about|urn|cid):)/i;
const SCHEMELESS_HOST_RE = /^([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,10}\.?)(?::\d{1,5})?(?=\/)/i;
const VERSION_RE = /^v\d{1,20}$/;
const SIGNATURE_RE = /^s--(?:[A-Za-z0-9_-]{8}|[A-Za-z0-9_-]{32})--$/;
const TRANSFORM_RE = /^(?:[a-z]{1,4}|\$[A-Za-z0-9]{1,40})_[^,]*(?:,(?:[a-z]{1,4}|\$[A-Za-z0-9]{1,40})_[^,]*)*$/;
const LEADING_VERSION_RE = /^v\d{1,20}\//;
const SEARCH_SIGNATURE_RE = /^[0-9a-f]{40,128}$/i;
const SEARCH_TTL_RE = /^\d{1,10}$/;
const SEARCH_QUERY_RE = /^[A-Za-z0-9+=_-]+$/;

type HostKind =
  | { kind: 'shared' }
  | { kind: 'private'; cloud: string }
  | { kind: 'custom' }
  | { kind: 'cloudinary-other' }
  | { kind: 'other' };

interface Derived { cloud: string; hosts: ReadonlySet<string> }
const NO_HOSTS: ReadonlySet<string> = new Set();
// Keyed by the `hosts` array, so contexts copied with a spread (`{...ctx, resourceTypeHint}`) share it.
const hostsCache = new WeakMap<readonly string[], ReadonlySet<string>>();

/** Lower-cased host of a `ctx.hosts` entry (accepts `https://cdn.x.com/`, `cdn.x.com:443`). */
export function normalizeHost(entry: string): string {
  let h = entry.trim().toLowerCase();
  const scheme = h.indexOf('//');
  if (scheme >= 0) h = h.slice(scheme + 2);
  const slash = h.indexOf('/');
  if (slash >= 0) h = h.slice(0, slash);
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

/** The normalized configured hosts of a context (cached per `hosts` array). */
export function configuredHosts(ctx: ParseContext): ReadonlySet<string> {
  const list = ctx.hosts;
  if (list === undefined || list.length === 0) return NO_HOSTS;
  let set = hostsCache.get(list);
  if (set === undefined) {
    const s = new Set<string>();
    for (const h of list) {
      const n = normalizeHost(h);
      if (n) s.add(n);
    }
    set = s;
    hostsCache.set(list, set);
  }
  return set;
}

function derive(ctx: ParseContext): Derived {
  return { cloud: ctx.cloudName.toLowerCase(), hosts: configuredHosts(ctx) };
}

function classifyHost(host: string, d: Derived): HostKind {
  if (d.hosts.has(host)) return { kind: 'custom' };
  if (SHARED_HOSTS.has(host) || SHARED_N_HOST_RE.test(host)) return { kind: 'shared' };
  const m = PRIVATE_HOST_RE.exec(host);
  if (m?.[1] !== undefined) return { kind: 'private', cloud: m[1] };
  // cdn_subdomain on a CNAME: a1.cdn.example.com … a5.cdn.example.com
  if (host.length > 3 && host.charCodeAt(0) === 97 /* a */ && host[2] === '.' && host[1]! >= '1' && host[1]! <= '5' && d.hosts.has(host.slice(3))) {
    return { kind: 'custom' };
  }
  if (CLOUDINARY_DOMAIN_RE.test(host)) return { kind: 'cloudinary-other' };
  return { kind: 'other' };
}

/**
 * The transformation segments of one reading of a delivery path. `definite`: a version segment
 * directly follows them (or, for a fetch-like type, a remote URL does), so they cannot be folders.
 */
export interface TransformationRun {
  segments: string[];
  definite: boolean;
  /**
   * Segments that may hold transformations in a reading Cloudinary itself would not make, for
   * layers that are protected only: transformation-looking segments after the first id-looking
   * one (`folder/l_logo/…`), and the last transformation segment joined with `:` to 1, 2… of the
   * segments after it (up to a version, never the last one) — the Node SDK builds
   * `l_folder:sub/logo/…` for an overlay `folder/sub/logo` (it replaces only the first `/`).
   */
  loose?: string[];
}

const REMOTE_SOURCE_RE = /^(?:https?|ftp)(?::|%3a)/i;

function transformationRun(rest: readonly string[], foreignType: boolean): TransformationRun {
  const n = rest.length;
  let lead = 0;
  while (lead < n - 1 && isTransformLike(rest[lead]!)) lead++;
  const next = rest[lead] ?? '';
  const definite = lead > 0 && lead < n - 1 && (VERSION_RE.test(next) || (foreignType && REMOTE_SOURCE_RE.test(next)));
  const segments: string[] = [];
  for (let i = 0; i < lead; i++) if (!SIGNATURE_RE.test(rest[i]!)) segments.push(rest[i]!);
  const run: TransformationRun = { segments, definite };
  if (!definite) {
    const loose: string[] = [];
    const continueFrom = (t: number): void => {
      let joined = rest[t]!;
      for (let k = t + 1; k < n - 1 && k <= t + 8 && !VERSION_RE.test(rest[k]!) && !TRANSFORM_RE.test(rest[k]!); k++) {
        joined += `:${rest[k]!}`;
        loose.push(joined);
      }
    };
    if (lead > 0 && segments.length > 0) continueFrom(lead - 1);
    for (let k = lead + 1; k < n - 1; k++) {
      if (TRANSFORM_RE.test(rest[k]!)) {
        loose.push(rest[k]!);
        continueFrom(k);
      }
    }
    if (loose.length > 0) run.loose = loose;
  }
  return run;
}

/** Collects candidates in order, without duplicates. */
export class Candidates {
  readonly list: AssetKey[] = [];
  private readonly seen = new Set<string>();
  add(publicId: string, resourceType: ResourceType | undefined, type: DeliveryType | undefined, hinted = false): void {
    const k = `${resourceType ?? ''}|${type ?? ''}|${publicId}`;
    if (this.seen.has(k)) return;
    this.seen.add(k);
    const key: AssetKey = { publicId };
    if (resourceType !== undefined) key.resourceType = resourceType;
    if (type !== undefined) key.type = type;
    if (hinted && resourceType !== undefined) key.hinted = true;
    this.list.push(key);
  }
}

const invalid = (reason: string): ParsedReference => ({ kind: 'invalid', reason });
const foreign = (reason: string): ParsedReference => ({ kind: 'foreign', reason });
/** Foreign for certain: names nothing in this account, so nothing may fall back to protecting by it. */
const noAsset = (reason: string): ParsedReference => ({ kind: 'foreign', reason, noAsset: true });

class InvalidValue extends Error {}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new InvalidValue('malformed percent-encoding');
  }
}

function checkDecoded(s: string): string {
  if (CONTROL_RE.test(s)) throw new InvalidValue('control character after percent-decoding');
  return s;
}

/** Readings of an id taken from a URL path: decoded, plus `+` as space. */
function urlIdReadings(s: string): string[] {
  const hasPct = s.includes('%');
  const hasPlus = s.includes('+');
  if (!hasPct && !hasPlus) return [s];
  const out = [checkDecoded(hasPct ? safeDecode(s) : s)];
  if (hasPlus) {
    const spaced = checkDecoded(safeDecode(s.replace(/\+/g, '%20')));
    if (spaced !== out[0]) out.push(spaced);
  }
  return out;
}

/** Readings of an id stored as-is (CloudinaryField, bare): itself, plus decoded when it has `%`. */
function storedIdReadings(s: string): string[] {
  if (!s.includes('%')) return [s];
  const d = checkDecoded(safeDecode(s));
  return d === s ? [s] : [s, d];
}

/** Adds an image/video/raw id read from a delivery path, applying the extension rule. */
function addDeliveryId(c: Candidates, id: string, rt: ResourceType, type: DeliveryType, keepExt: boolean): void {
  if (rt === 'raw' || keepExt) {
    c.add(id, rt, type);
    return;
  }
  for (const reading of mediaIdReadings(id)) c.add(reading, rt, type);
}

function isTransformLike(seg: string): boolean {
  return TRANSFORM_RE.test(seg) || SIGNATURE_RE.test(seg);
}

/**
 * The ways the segments after `RT/TYPE` split into [transformations…, version?] and id segments.
 * The last segment always belongs to the id.
 */
function idSplits(rest: readonly string[]): string[][] {
  const n = rest.length;
  let lead = 0; // leading transformation/signature-looking segments
  while (lead < n && isTransformLike(rest[lead]!)) lead++;
  // A version segment, followed by at least one id segment.
  for (let k = 0; k < n - 1; k++) {
    if (VERSION_RE.test(rest[k]!)) {
      const after = rest.slice(k + 1);
      if (k <= lead) return [after];
      // Version after something that is not a transformation: Cloudinary would still read it as
      // the version, but keep the literal reading too.
      return [after, ...unversionedSplits(rest, lead)];
    }
  }
  return unversionedSplits(rest, lead);
}

function unversionedSplits(rest: readonly string[], lead: number): string[][] {
  const out: string[][] = [];
  const maxLead = Math.min(lead, rest.length - 1);
  for (let i = maxLead; i >= 0; i--) {
    if (i < rest.length - 1 && SIGNATURE_RE.test(rest[i]!)) continue;
    out.push(rest.slice(i));
  }
  return out;
}

function resolveDeliveryPath(c: Candidates, rest: readonly string[], route: Route, stored: boolean, runs?: TransformationRun[]): void {
  runs?.push(transformationRun(rest, false));
  for (const idSegs of idSplits(rest)) {
    let segs = idSegs;
    let keepExt = false;
    if (route.seo && segs.length >= 2) {
      segs = segs.slice(0, -1); // the SEO suffix carries the format; the id is used as-is
      keepExt = true;
    }
    const joined = segs.join('/');
    for (const id of stored ? storedIdReadings(joined) : urlIdReadings(joined)) {
      addDeliveryId(c, id, route.resourceType, route.type, keepExt);
    }
  }
}

function splitPath(path: string): string[] {
  const segs: string[] = [];
  for (const s of path.split('/')) if (s !== '') segs.push(s);
  return segs;
}

function parseUrl(v: string, hostStart: number, ctx: ParseContext, runs?: TransformationRun[]): ParsedReference {
  // v[hostStart..] = authority + path + query/fragment
  let end = v.length;
  for (let i = hostStart; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (ch === 63 /* ? */ || ch === 35 /* # */) {
      end = i;
      break;
    }
  }
  const slash = v.indexOf('/', hostStart);
  const authEnd = slash >= 0 && slash < end ? slash : end;
  let host = v.slice(hostStart, authEnd).toLowerCase();
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  const colon = host.lastIndexOf(':');
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return invalid('URL without a host');

  const d = derive(ctx);
  const kind = classifyHost(host, d);
  if (kind.kind === 'other') return foreign(`not a Cloudinary host (${host})`);
  if (kind.kind === 'cloudinary-other') return foreign(`not a Cloudinary delivery host (${host})`);

  const segs = splitPath(v.slice(authEnd, end));
  let i = 0;
  let cloudOptional = false;
  if (kind.kind === 'shared') {
    const cloud = segs[0];
    if (cloud === undefined) return invalid('Cloudinary URL without a cloud name');
    if (cloud.toLowerCase() !== d.cloud) return noAsset(`another cloud (${cloud})`);
    i = 1;
  } else {
    // a private CDN host is read from the host name, which may not spell the cloud name as configured:
    // foreign, but its path still protects by the fallback (keeping too much hides an orphan; too little deletes)
    if (kind.kind === 'private' && kind.cloud !== d.cloud) return foreign(`another cloud's private CDN host (${kind.cloud})`);
    if (segs[0]?.toLowerCase() === d.cloud) {
      const next = segs[1]?.toLowerCase();
      if (next !== undefined && (RESOURCE_TYPES.has(next) || PATH_PREFIXES.has(next))) i = 1;
      else cloudOptional = true;
    }
  }

  if (isSearchUrl(segs, i) || (cloudOptional && isSearchUrl(segs, 1))) return noAsset('cached search URL');

  const c = new Candidates();
  const first = segs[i]?.toLowerCase();
  if (first === undefined) return invalid('Cloudinary URL without a public id');
  if (RESOURCE_TYPES.has(first)) {
    const type = segs[i + 1]?.toLowerCase();
    if (type === undefined) return invalid('Cloudinary URL without a delivery type');
    if (!STORED_TYPES.has(type)) {
      if (runs !== undefined && segs.length > i + 3) runs.push(transformationRun(segs.slice(i + 2), true));
      return foreign(FOREIGN_DELIVERY_TYPES.has(type) ? `${type} delivery` : `unsupported delivery type (${type})`);
    }
    const rest = segs.slice(i + 2);
    if (rest.length === 0) return invalid('Cloudinary URL without a public id');
    resolveDeliveryPath(c, rest, { resourceType: first as ResourceType, type: type as DeliveryType, seo: false }, false, runs);
    return { kind: 'asset', candidates: c.list };
  }
  const route = PATH_PREFIXES.get(first);
  if (route !== undefined) {
    const rest = segs.slice(i + 1);
    if (rest.length === 0) return invalid('Cloudinary URL without a public id');
    resolveDeliveryPath(c, rest, route, false, runs);
    // On a private CDN / own host the same path may be a root-path URL of a folder named like the prefix.
    if (kind.kind !== 'shared') resolveRootPath(c, segs.slice(i), runs);
    return { kind: 'asset', candidates: c.list };
  }
  resolveRootPath(c, segs.slice(i), runs);
  if (cloudOptional) resolveRootPath(c, segs, runs);
  return { kind: 'asset', candidates: c.list };
}

/**
 * A cacheable search URL (`Search.to_url`): `search/<signature>/<ttl>/<base64 expression>[/<cursor>]`
 * after the cloud. It returns search results, not an asset. The signature is hex (SHA-256 today);
 * standard base64 may hold `/`, so the expression can span several segments.
 */
function isSearchUrl(segs: readonly string[], at: number): boolean {
  return segs.length >= at + 4 && segs[at] === 'search' && SEARCH_SIGNATURE_RE.test(segs[at + 1]!) && SEARCH_TTL_RE.test(segs[at + 2]!) && SEARCH_QUERY_RE.test(segs[at + 3]!);
}

/** Root-path URL (`use_root_path`): image/upload without the `image/upload` part, maybe with a suffix. */
function resolveRootPath(c: Candidates, rest: readonly string[], runs?: TransformationRun[]): void {
  resolveDeliveryPath(c, rest, ROOT_ROUTE, false, runs);
  // same segments as above: one run is enough
  if (rest.length >= 2) resolveDeliveryPath(c, rest, { ...ROOT_ROUTE, seo: true }, false);
}

/** `RT/TYPE/…` stored by pycloudinary's CloudinaryField and other "preloaded" strings. */
function parseFieldForm(v: string, rt: ResourceType, type: string, restStart: number, runs?: TransformationRun[]): ParsedReference {
  let end = v.indexOf('#', restStart);
  if (end < 0) end = v.length;
  const q = v.indexOf('?', restStart);
  if (q >= 0 && q < end) end = q;
  if (!STORED_TYPES.has(type)) {
    if (runs !== undefined) {
      const rest = splitPath(v.slice(restStart, end));
      if (rest.length >= 2) runs.push(transformationRun(rest, true));
    }
    return foreign(FOREIGN_DELIVERY_TYPES.has(type) ? `${type} delivery` : `unsupported delivery type (${type})`);
  }
  const rest = splitPath(v.slice(restStart, end));
  if (rest.length === 0) return invalid('no public id');
  const c = new Candidates();
  resolveDeliveryPath(c, rest, { resourceType: rt, type: type as DeliveryType, seo: false }, true, runs);
  return { kind: 'asset', candidates: c.list };
}

function addBare(c: Candidates, v: string, hint: ResourceType | undefined): void {
  for (const id of storedIdReadings(v)) {
    c.add(id, hint, undefined, true);
    if (hint === 'raw') continue;
    const slash = id.lastIndexOf('/');
    const dot = id.lastIndexOf('.');
    if (dot > slash + 1 && dot < id.length - 1 && isKnownFormat(id.slice(dot + 1))) {
      c.add(id.slice(0, dot), hint, undefined, true);
    }
  }
}

function parseBare(v: string, ctx: ParseContext): ParsedReference {
  const c = new Candidates();
  const hint = ctx.resourceTypeHint;
  addBare(c, v, hint);
  let cut = v.length;
  for (let i = 0; i < v.length; i++) {
    const ch = v.charCodeAt(i);
    if (ch === 63 /* ? */ || ch === 35 /* # */) {
      cut = i;
      break;
    }
  }
  const head = cut < v.length ? v.slice(0, cut) : v;
  if (head !== v && head !== '') addBare(c, head, hint);
  const m = LEADING_VERSION_RE.exec(head);
  if (m !== null && head.length > m[0].length) addBare(c, head.slice(m[0].length), hint);
  return { kind: 'asset', candidates: c.list };
}

/**
 * Turns one stored value into the Cloudinary assets it may name. Pure, never throws.
 * Reuse the same `ctx` object across calls: derived host tables are cached per object.
 */
export function parseReference(value: string, ctx: ParseContext): ParsedReference {
  if (typeof value !== 'string') return invalid('not a string');
  if (value.length > MAX_REFERENCE_LENGTH * 4) return invalid(`longer than ${MAX_REFERENCE_LENGTH} characters`);
  const v = value.trim();
  if (v === '') return invalid('empty');
  if (v.length > MAX_REFERENCE_LENGTH) return invalid(`longer than ${MAX_REFERENCE_LENGTH} characters`);
  if (CONTROL_RE.test(v)) return invalid('control character');
  try {
    return parseTrimmed(v, ctx);
  } catch (e) {
    if (e instanceof InvalidValue) return invalid(e.message);
    // A bug must not turn into a silent "no reference": surface it as invalid with the cause.
    return invalid(`parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseTrimmed(input: string, ctx: ParseContext, runs?: TransformationRun[]): ParsedReference {
  let v = input;
  // JSON-escaped URL pasted as a value: https:\/\/res.cloudinary.com\/...
  if (v.includes('\\/') && /^(?:https?:)?\\?\/\\?\//i.test(v)) v = v.replace(/\\\//g, '/');

  const http = HTTP_PREFIX_RE.exec(v);
  if (http !== null) return parseUrl(v, http[0].length, ctx, runs);
  if (OTHER_SCHEME_RE.test(v)) {
    const colon = v.indexOf(':');
    return foreign(`${v.slice(0, colon).toLowerCase()}: URL`);
  }
  if (v.charCodeAt(0) === 47 /* / */) return foreign('local path');

  const hostM = SCHEMELESS_HOST_RE.exec(v);
  if (hostM?.[1] !== undefined) {
    let host = hostM[1].toLowerCase();
    if (host.endsWith('.')) host = host.slice(0, -1);
    const kind = classifyHost(host, derive(ctx)).kind;
    if (kind !== 'other') return parseUrl(v, 0, ctx, runs);
  }

  const s1 = v.indexOf('/');
  if (s1 > 0) {
    const first = v.slice(0, s1);
    if (RESOURCE_TYPES.has(first)) {
      const s2 = v.indexOf('/', s1 + 1);
      if (s2 > s1 + 1) {
        const type = v.slice(s1 + 1, s2);
        if (STORED_TYPES.has(type) || FOREIGN_DELIVERY_TYPES.has(type)) {
          return parseFieldForm(v, first as ResourceType, type, s2 + 1, runs);
        }
      }
    }
  }
  return parseBare(v, ctx);
}

/**
 * The transformation segments of every reading of `value` (a delivery URL or `RT/TYPE/…` value of
 * this account; none for bare ids, other clouds and other hosts). Collected even when the value's
 * own id turns out invalid (malformed %-encoding): its layers are still named. Never throws.
 */
export function transformationRuns(value: string, ctx: ParseContext): TransformationRun[] {
  const runs: TransformationRun[] = [];
  if (typeof value !== 'string' || value.length > MAX_REFERENCE_LENGTH * 4) return runs;
  const v = value.trim();
  if (v === '' || v.length > MAX_REFERENCE_LENGTH || CONTROL_RE.test(v)) return runs;
  try {
    parseTrimmed(v, ctx, runs);
  } catch {
    // the runs collected before the failure still stand
  }
  return runs;
}
