/**
 * ImageKit references inside stored text (HTML, Markdown, CSS, JSON, srcset lists): every URL on
 * ik.imagekit.io or a configured custom endpoint, also JSON-escaped (`\/`) or entity-encoded
 * (`&amp;`, `&#x2F;`) or percent-encoded in another URL's query. Any other http(s) or protocol-relative URL may be a custom endpoint nobody
 * listed in storage.hosts: its path protects the file it would name, and is never required.
 * Bare paths in free text are not references (too many false readings).
 */
import type { ExtractMode, FoundReference } from '../../backend.js';
import { customEndpoints, isKnownHost, parseReference, protectOnly, SHARED_HOST, type ImageKitContext } from './parse.js';
import { maskSigning } from './signing.js';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', sol: '/', colon: ':' };

export function unescapeText(text: string): string {
  let t = text;
  if (t.includes('\\')) t = t.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\([/"\\])/g, '$1');
  if (t.includes('&')) {
    t = t.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-z]+));/g, (m, d: string | undefined, x: string | undefined, n: string | undefined) => {
      const cp = d !== undefined ? parseInt(d, 10) : x !== undefined ? parseInt(x, 16) : undefined;
      if (cp !== undefined) return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
      return ENTITIES[n ?? ''] ?? m;
    });
  }
  return t;
}

const cache = new WeakMap<ImageKitContext, RegExp>();

/** A URL on one of the account's delivery hosts: optional scheme or `//`, then the host, then a path. */
function urlRegex(ctx: ImageKitContext): RegExp {
  let re = cache.get(ctx);
  if (!re) {
    const hosts = [SHARED_HOST, ...customEndpoints(ctx).map((e) => e.host)].map(escapeRe).join('|');
    re = new RegExp(`(?:https?:)?(?:\\/\\/)?(?<![\\w.-])(?:${hosts})(?=[/?#])[^\\s"'<>\`\\\\{}|^\\[\\]]*`, 'gi');
    cache.set(ctx, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Any http(s) or protocol-relative URL with a path: a host, an optional port, then `/`, `?` or `#`. */
const ANY_URL_RE = /(?:\bhttps?:)?\/\/[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*(?::\d+)?(?=[/?#])[^\s"'<>`\\{}|^[\]]*/gi;

function hostOf(url: string): string | undefined {
  try {
    return new URL(url.startsWith('//') ? `https:${url}` : url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Trailing sentence punctuation and an unbalanced `)` are not part of a URL in prose. */
function trimTrailing(s: string): string {
  let t = s;
  for (;;) {
    if (/[.,;:!?*]$/.test(t)) t = t.slice(0, -1);
    else if (t.endsWith(')') && (t.match(/\)/g)?.length ?? 0) > (t.match(/\(/g)?.length ?? 0)) t = t.slice(0, -1);
    else return t;
  }
}

/** `a.jpg,https://…/b.jpg`: a comma followed by another URL ends this one. */
const pieces = (match: string): string[] => match.split(/,(?=(?:https?:)?\/\/)/i).map(trimTrailing);

/** A URL percent-encoded in another URL's query (`/_next/image?url=https%3A%2F%2F…`), as image proxies name it. */
const ENCODED_URL_RE = /\bhttps?%3A%2F%2F[^\s"'<>&]+/gi;

export function scanText(text: string, ctx: ImageKitContext): FoundReference[] {
  const out: FoundReference[] = [];
  const seen = new Set<string>();
  const plain = unescapeText(text);
  scanUrls(plain, ctx, out, seen);
  for (const m of plain.matchAll(ENCODED_URL_RE)) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(m[0]);
    } catch {
      continue; // broken encoding: not a URL
    }
    scanUrls(decoded, ctx, out, seen);
  }
  return out;
}

function scanUrls(plain: string, ctx: ImageKitContext, out: FoundReference[], seen: Set<string>): void {
  for (const m of plain.matchAll(urlRegex(ctx))) {
    for (const raw of pieces(m[0])) {
      if (raw === '' || seen.has(raw)) continue;
      seen.add(raw);
      out.push({ raw, parsed: parseReference(raw, ctx) });
    }
  }
  for (const m of plain.matchAll(ANY_URL_RE)) {
    for (const raw of pieces(m[0])) {
      if (raw === '' || seen.has(raw)) continue;
      const host = hostOf(raw);
      // the account's hosts were read above; ImageKit's own (API, website) deliver no file
      if (host === undefined || isKnownHost(host, ctx) || host === 'imagekit.io' || host.endsWith('.imagekit.io')) continue;
      seen.add(raw);
      const parsed = parseReference(raw, ctx);
      if (parsed.kind !== 'foreign') continue;
      const keep = protectOnly(raw, parsed);
      if (keep.length) out.push({ raw, parsed: { kind: 'asset', candidates: keep, protectOnly: true } });
    }
  }
}

const TEXTY_RE = /[\s<>"'(){}[\]]/;

const protectsOnly = (f: FoundReference): boolean => f.parsed.kind === 'asset' && f.parsed.protectOnly === true;

export function referencesIn(value: string, ctx: ImageKitContext, mode: ExtractMode): FoundReference[] {
  const found = read(value, ctx, mode);
  // a refused value may be shown in the summary: its signature must not be
  for (const f of found) if (f.parsed.kind !== 'asset') maskSigning(f.raw);
  return found;
}

function read(value: string, ctx: ImageKitContext, mode: ExtractMode): FoundReference[] {
  const v = value.trim();
  if (v === '') return [];
  if (mode === 'value') return [{ raw: v, parsed: parseReference(v, ctx) }];
  const found = scanText(value, ctx);
  if (mode === 'text' || TEXTY_RE.test(v) || found.some((f) => !protectsOnly(f))) return found;
  // auto: a single token that is not a delivery URL may still be a bare path; one URL on another
  // host is read whole, so it counts as foreign (storage.hosts may lack it) and still protects, and
  // what it carries encoded in its query protects too
  return [{ raw: v, parsed: parseReference(v, ctx) }, ...found.filter((f) => f.raw !== v)];
}
