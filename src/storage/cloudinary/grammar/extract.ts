/**
 * Finding references inside stored text (HTML, Markdown, CSS, JSON, plain text).
 *
 * - `extractReferences(text)` finds every Cloudinary delivery URL (shared, private-CDN and configured
 *   hosts; with a scheme, protocol-relative, or scheme-less), also when JSON-escaped (`\/`, `\u002F`),
 *   HTML-entity-encoded (`&#x2F;`, `&amp;`) or percent-encoded inside another URL
 *   (`/_next/image?url=https%3A%2F%2Fres.cloudinary.com%2F…`). In valid JSON every string is
 *   visited: a URL or `RT/TYPE/…` string is a reference, a string under a `public_id`/`publicId`
 *   key is a bare id, other strings are scanned as text. Bare ids in free text are not recognised.
 * - `referencesIn(value, ctx, mode)`: 'value' = the whole value is one reference, 'text' = scan,
 *   'auto' = scan when the value looks like text, falling back to the whole value when the scan
 *   finds nothing and the value could be a bare id (see `autoReferences`).
 *
 * `raw` is the reference as found, after unescaping (JSON / HTML entities / percent-encoding of an
 * embedded URL), with trailing punctuation trimmed.
 */
import { layerReferencesIn } from './layers.js';
import { configuredHosts, parseReference } from './parse.js';
import type { ParsedReference } from '../../../references/types.js';
import type { ParseContext } from './context.js';

export type { ExtractMode, FoundReference } from '../../backend.js';
import type { ExtractMode, FoundReference } from '../../backend.js';

const BASE_ANCHORS = ['cloudinary\\.com', 'cloudinary-a\\.akamaihd\\.net', 'd3jpl91pxevbkh\\.cloudfront\\.net'];
const DEFAULT_ANCHOR_RE = new RegExp(BASE_ANCHORS.join('|'), 'gi');
const anchorCache = new WeakMap<readonly string[], RegExp>();

/** Case-insensitive "any delivery host" pattern for a context (cached per `hosts` array). */
function anchorRegex(ctx: ParseContext): RegExp {
  const list = ctx.hosts;
  if (list === undefined || list.length === 0) return DEFAULT_ANCHOR_RE;
  let re = anchorCache.get(list);
  if (re === undefined) {
    const extra = [...configuredHosts(ctx)].map((h) => h.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    re = new RegExp([...BASE_ANCHORS, ...extra].join('|'), 'gi');
    anchorCache.set(list, re);
  }
  return re;
}

function hasAnchor(text: string, ctx: ParseContext): boolean {
  const re = anchorRegex(ctx);
  re.lastIndex = 0;
  const found = re.test(text);
  re.lastIndex = 0;
  return found;
}

/** Something that may be a `RT/TYPE/…` string or a public_id key (plain or JSON-escaped). */
const FIELD_HINT_RE = /(?:image|video|raw)\\?\/(?:upload|private|authenticated)\\?\/|public_?id/i;
const FIELD_FORM_RE = /^(?:image|video|raw)\/(?:upload|private|authenticated)\//;
const FIELD_IN_QUOTES_RE = /"((?:image|video|raw)\/(?:upload|private|authenticated)\/[^"\\<>\n\r]{1,2048})"/g;
const PUBLIC_ID_IN_TEXT_RE = /"(?:public_id|publicId)"\s{0,20}:\s{0,20}"([^"\\\n\r]{1,2048})"/g;
const PUBLIC_ID_KEYS: ReadonlySet<string> = new Set(['public_id', 'publicId']);
const URL_START_RE = /^(?:https?:)?\/\//i;
const WS_RE = /\s/;
const DESCRIPTOR_RE = /^\s+\d+(?:\.\d+)?[wxh]\b/;
const MAX_JSON_DEPTH = 64;
const MAX_URL_SCAN = 4096;

// ---------------------------------------------------------------------------------------------
// unescaping

const JSON_ESCAPE_RE = /\\(?:u([0-9a-fA-F]{4})|(["/\\]))/g;
const ENTITY_RE = /&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(amp|quot|apos|lt|gt|sol|colon|nbsp|period|comma|lpar|rpar|equals|quest|num|percnt));/g;
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', sol: '/', colon: ':', nbsp: ' ', period: '.', comma: ',',
  lpar: '(', rpar: ')', equals: '=', quest: '?', num: '#', percnt: '%',
};

function codePoint(n: number): string {
  return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
}

/** Undo JSON string escapes (repeatedly, for JSON-in-JSON) and HTML character references. */
export function unescapeText(text: string): string {
  let t = text;
  for (let pass = 0; pass < 4 && t.includes('\\'); pass++) {
    const next = t.replace(JSON_ESCAPE_RE, (_m, hex: string | undefined, ch: string | undefined) =>
      hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (ch ?? ''),
    );
    if (next === t) break;
    t = next;
  }
  for (let pass = 0; pass < 2 && t.includes('&'); pass++) {
    const next = t.replace(ENTITY_RE, (_m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      if (dec !== undefined) return codePoint(parseInt(dec, 10));
      if (hex !== undefined) return codePoint(parseInt(hex, 16));
      return NAMED_ENTITIES[name ?? ''] ?? '';
    });
    if (next === t) break;
    t = next;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// accumulator

class Found {
  readonly list: FoundReference[] = [];
  private readonly seen = new Set<string>();
  add(raw: string, parsed: ParsedReference): void {
    if (this.seen.has(raw)) return;
    this.seen.add(raw);
    this.list.push({ raw, parsed });
  }
  has(raw: string): boolean {
    return this.seen.has(raw);
  }
}

// ---------------------------------------------------------------------------------------------
// URL scanning

function isHostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}

/** Characters that end a URL in text. `quote` is the quote the URL was opened with, if any. */
function isTerminator(c: number, quote: number, encoded: boolean): boolean {
  if (c <= 32 || c === 127 || (c >= 128 && c <= 160) || c === 0x2028 || c === 0x2029 || c === 0x3000) return true;
  switch (c) {
    case 34: // "
      return true;
    case 39: // '
      return quote !== 34;
    case 60: // <
    case 62: // >
    case 96: // `
    case 92: // \
    case 123: // {
    case 125: // }
    case 124: // |
    case 94: // ^
    case 91: // [
    case 93: // ]
      return true;
    case 38: // & ends an encoded URL embedded in a query string
      return encoded;
    default:
      return false;
  }
}

/** Drops trailing sentence punctuation and an unbalanced closing parenthesis. */
function trimTrailing(s: string): string {
  let end = s.length;
  for (;;) {
    if (end === 0) break;
    const c = s.charCodeAt(end - 1);
    if (c === 46 || c === 44 || c === 59 || c === 58 || c === 33 || c === 63 || c === 42) {
      end--;
      continue;
    }
    if (c === 41 /* ) */) {
      let open = 0;
      let close = 0;
      for (let i = 0; i < end; i++) {
        const d = s.charCodeAt(i);
        if (d === 40) open++;
        else if (d === 41) close++;
      }
      if (close > open) {
        end--;
        continue;
      }
    }
    break;
  }
  return end === s.length ? s : s.slice(0, end);
}

const NEXT_URL_RE = /,(?:https?:|https?%3a)?(?:\/\/|%2f%2f)/i;

/** `a.jpg,https://…/b.jpg`: a comma directly followed by another URL ends this one. */
function cutAtNextUrl(s: string, from: number): string {
  if (!s.includes(',', from)) return s;
  const m = NEXT_URL_RE.exec(from > 0 ? s.slice(from) : s);
  return m === null ? s : s.slice(0, from + m.index);
}

function lowerAt(text: string, i: number, s: string): boolean {
  if (i < 0 || i + s.length > text.length) return false;
  return text.slice(i, i + s.length).toLowerCase() === s;
}

function addUrl(acc: Found, raw: string, ctx: ParseContext): void {
  if (raw.length === 0 || acc.has(raw)) return;
  acc.add(raw, parseReference(raw, ctx));
}

/** Finds delivery URLs in already-unescaped text. */
function scanUrls(text: string, ctx: ParseContext, acc: Found): void {
  const re = anchorRegex(ctx);
  re.lastIndex = 0;
  const n = text.length;
  // end of the last scanned run, reused by URLs nested in it (keeps the scan linear)
  let runFrom = -1;
  let runEnd = -1;
  let runKey = -1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const aStart = m.index;
    const aEnd = aStart + m[0].length;
    if (m[0].length === 0) {
      re.lastIndex = aStart + 1;
      continue;
    }
    // whole host: expand left over host characters (bounded: hostnames are ≤ 253 chars)
    let h = aStart;
    const leftLimit = Math.max(0, aStart - 253);
    while (h > leftLimit && isHostChar(text.charCodeAt(h - 1))) h--;
    if (aEnd < n && isHostChar(text.charCodeAt(aEnd))) continue; // cloudinary.com.evil.net, cloudinary.community
    let p = aEnd;
    if (text.charCodeAt(p) === 58 /* : */) {
      let q = p + 1;
      while (q < n && q - p <= 6 && text.charCodeAt(q) >= 48 && text.charCodeAt(q) <= 57) q++;
      if (q > p + 1) p = q;
    }
    let start: number;
    let encoded = false;
    // `%2F%2Fres.cloudinary.com`: the hex digits of the last `%2F` look like host characters
    if (h >= 4 && h + 2 <= aStart && text.charCodeAt(h - 1) === 37 && lowerAt(text, h, '2f') && lowerAt(text, h - 4, '%2f%')) h += 2;
    if (h >= 2 && text.charCodeAt(h - 1) === 47 && text.charCodeAt(h - 2) === 47) {
      start = h - 2;
      if (lowerAt(text, start - 6, 'https:')) start -= 6;
      else if (lowerAt(text, start - 5, 'http:')) start -= 5;
    } else if (lowerAt(text, h - 6, '%2f%2f')) {
      encoded = true;
      start = h - 6;
      if (lowerAt(text, start - 8, 'https%3a')) start -= 8;
      else if (lowerAt(text, start - 7, 'http%3a')) start -= 7;
    } else {
      // scheme-less host: must start at a boundary (not inside a path, an e-mail address, a word)
      if (h > 0) {
        const b = text.charCodeAt(h - 1);
        if (b === 47 || b === 92 || b === 64 || b === 37 || b === 95 || b === 58 || isHostChar(b)) continue;
      }
      start = h;
    }
    // the host must be followed by a path
    if (encoded ? !lowerAt(text, p, '%2f') : text.charCodeAt(p) !== 47) continue;

    const quote = start > 0 ? text.charCodeAt(start - 1) : -1;
    const quoteMode = quote === 34 || quote === 39 ? quote : -1;
    const key = (quoteMode + 2) * 2 + (encoded ? 1 : 0);
    let e: number;
    if (p < runEnd && p >= runFrom && key === runKey) {
      e = runEnd;
    } else {
      e = p;
      const limit = Math.min(n, p + MAX_URL_SCAN);
      while (e < limit && !isTerminator(text.charCodeAt(e), quoteMode, encoded)) e++;
      runFrom = p;
      runEnd = e;
      runKey = key;
    }
    const raw = trimTrailing(cutAtNextUrl(text.slice(start, e), p - start));
    if (encoded) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(raw);
      } catch {
        decoded = raw.replace(/%2f/gi, '/').replace(/%3a/gi, ':');
      }
      addUrl(acc, decoded, ctx);
    } else {
      addUrl(acc, raw, ctx);
      // A quoted URL with a raw space (`src="…/my photo.jpg"`): browsers keep the space, so the
      // whole quoted string is also a reading — unless what follows is a srcset descriptor.
      if (quoteMode !== -1 && e < n && text.charCodeAt(e) !== quoteMode && WS_RE.test(text.charAt(e))) {
        const close = text.indexOf(String.fromCharCode(quoteMode), e);
        if (close > e && close - start <= MAX_URL_SCAN) {
          const span = text.slice(start, close);
          const tail = text.slice(e, close);
          if (!DESCRIPTOR_RE.test(tail) && !tail.includes('//') && !tail.includes('\n')) {
            const whole = span.trim();
            if (whole !== raw) addUrl(acc, whole, ctx);
          }
        }
      }
    }
    re.lastIndex = aEnd;
  }
  re.lastIndex = 0;
}

/** `"image/upload/v1/a.jpg"` and `"public_id": "folder/x"` inside JSON-looking text that is not valid JSON. */
function scanJsonLiterals(text: string, ctx: ParseContext, acc: Found): void {
  FIELD_IN_QUOTES_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = FIELD_IN_QUOTES_RE.exec(text)) !== null) {
    const raw = m[1];
    if (raw !== undefined && !acc.has(raw)) acc.add(raw, parseReference(raw, ctx));
  }
  FIELD_IN_QUOTES_RE.lastIndex = 0;
  PUBLIC_ID_IN_TEXT_RE.lastIndex = 0;
  while ((m = PUBLIC_ID_IN_TEXT_RE.exec(text)) !== null) {
    const raw = m[1];
    if (raw !== undefined && raw.trim() !== '' && !acc.has(raw)) acc.add(raw, parseReference(raw, ctx));
  }
  PUBLIC_ID_IN_TEXT_RE.lastIndex = 0;
}

function scanText(text: string, ctx: ParseContext, acc: Found): void {
  const t = text.includes('\\') || text.includes('&') ? unescapeText(text) : text;
  if (hasAnchor(t, ctx)) scanUrls(t, ctx, acc);
  if (FIELD_HINT_RE.test(t)) scanJsonLiterals(t, ctx, acc);
}

// ---------------------------------------------------------------------------------------------
// JSON

function firstNonSpace(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) return s.charAt(i);
  }
  return '';
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const c = firstNonSpace(text);
  if (c !== '{' && c !== '[' && c !== '"') return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A string inside JSON. */
function visitString(s: string, ctx: ParseContext, acc: Found, isPublicId: boolean, depth: number): void {
  const t = s.trim();
  if (t === '') return;
  if (isPublicId) {
    if (!acc.has(t)) acc.add(t, parseReference(t, ctx));
    return;
  }
  if (FIELD_FORM_RE.test(t)) {
    if (!WS_RE.test(t) && !acc.has(t)) acc.add(t, parseReference(t, ctx));
    else scanText(s, ctx, acc);
    return;
  }
  const c = t.charAt(0);
  if ((c === '{' || c === '[' || c === '"') && depth < MAX_JSON_DEPTH) {
    const j = tryJson(t);
    if (j.ok) {
      visitJson(j.value, ctx, acc, false, depth + 1);
      return;
    }
  }
  const anchored = hasAnchor(t, ctx);
  if (!anchored && !FIELD_HINT_RE.test(t)) return;
  if (anchored && URL_START_RE.test(t) && !WS_RE.test(t)) {
    scanText(t, ctx, acc); // handles escapes, nested and trailing punctuation…
    if (!acc.has(t)) {
      const whole = parseReference(t, ctx);
      if (whole.kind === 'asset') acc.add(t, whole);
    }
    return;
  }
  scanText(s, ctx, acc);
  // A string that is one URL with raw spaces (`https://…/my photo.jpg`): also read it whole.
  if (anchored && URL_START_RE.test(t) && !t.includes('\n') && t.indexOf('//', 2) < 0 && !acc.has(t)) {
    const whole = parseReference(t, ctx);
    if (whole.kind === 'asset') acc.add(t, whole);
  }
}

function visitJson(node: unknown, ctx: ParseContext, acc: Found, isPublicId: boolean, depth: number): void {
  if (depth > MAX_JSON_DEPTH) return;
  if (typeof node === 'string') {
    visitString(node, ctx, acc, isPublicId, depth);
  } else if (Array.isArray(node)) {
    for (const item of node) visitJson(item, ctx, acc, isPublicId, depth + 1);
  } else if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      visitString(k, ctx, acc, false, depth + 1);
      visitJson(v, ctx, acc, PUBLIC_ID_KEYS.has(k), depth + 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// public API

/**
 * Every reference found inside `text` (deduplicated by `raw`, in order of discovery).
 * Bare public ids in free text are not recognised; see the header comment.
 */
export function extractReferences(text: string, ctx: ParseContext): FoundReference[] {
  if (typeof text !== 'string' || text.length === 0) return [];
  // quick pre-check: nothing Cloudinary-like at all → nothing to do
  if (!hasAnchor(text, ctx) && !FIELD_HINT_RE.test(text)) return [];
  const acc = new Found();
  const j = tryJson(text);
  if (j.ok) visitJson(j.value, ctx, acc, false, 0);
  else scanText(text, ctx, acc);
  return acc.list;
}

const TEXT_SIGN_RE = /[\s<{[(]/;
const EMBEDDED_URL_RE = /(?:https?:)?\/\/|https?%3a%2f%2f/gi;
const NOT_BARE_RE = /[<>{}\n\r\t]|:\/\//;
const MAX_BARE_FALLBACK = 512;

/** Whether an 'auto' value should be scanned as text rather than read as one value. */
function looksLikeText(t: string): boolean {
  if (TEXT_SIGN_RE.test(t)) return true;
  // a URL that does not start the value (`/_next/image?url=https%3A%2F%2F…`, `a.jpg,https://…`)
  EMBEDDED_URL_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = EMBEDDED_URL_RE.exec(t)) !== null) {
    if (m.index > 0) {
      EMBEDDED_URL_RE.lastIndex = 0;
      return true;
    }
  }
  EMBEDDED_URL_RE.lastIndex = 0;
  return false;
}

/**
 * 'auto': a value without any sign of text is one reference. Otherwise it is scanned; a value that
 * is itself one URL / `RT/TYPE/…` string is also read whole (a URL with raw spaces must not be cut);
 * a JSON string or JSON array of strings is read item by item; and when the scan finds nothing and
 * the value could be a bare id (`my photo (1)`), the value itself is the reference.
 */
function autoReferences(value: string, ctx: ParseContext, depth: number): FoundReference[] {
  const t = value.trim();
  if (t === '' || !looksLikeText(t)) return [{ raw: value, parsed: parseReference(value, ctx) }];

  const c = t.charAt(0);
  if ((c === '[' || c === '"') && depth < 4) {
    const j = tryJson(t);
    if (j.ok && (typeof j.value === 'string' || (Array.isArray(j.value) && j.value.every((x) => typeof x === 'string')))) {
      const items = typeof j.value === 'string' ? [j.value] : (j.value as string[]);
      const acc = new Found();
      for (const item of items) {
        if (item.trim() === '') continue;
        for (const f of autoReferences(item, ctx, depth + 1)) acc.add(f.raw, f.parsed);
      }
      return acc.list;
    }
  }

  const found = extractReferences(value, ctx);
  const single = URL_START_RE.test(t) || FIELD_FORM_RE.test(t);
  if (single && !t.includes('\n') && t.indexOf('//', 8) < 0 && !found.some((f) => f.raw === t)) {
    const whole = parseReference(t, ctx);
    if (whole.kind === 'asset') found.unshift({ raw: value, parsed: whole });
  }
  if (found.length === 0 && t.length <= MAX_BARE_FALLBACK && !NOT_BARE_RE.test(t)) {
    const parsed = parseReference(value, ctx);
    if (parsed.kind === 'asset') return [{ raw: value, parsed }];
  }
  return found;
}

/**
 * Each URL / CloudinaryField value followed by one extra `asset` entry (same `raw`) per asset its
 * transformations name: overlays, underlays, default images, custom fonts… (see layers.ts). Also
 * for URLs that are foreign or invalid themselves (`image/fetch/l_logo/https://…`).
 */
function withLayers(found: FoundReference[], ctx: ParseContext): FoundReference[] {
  let out: FoundReference[] | undefined;
  const done = new Set<string>();
  for (let i = 0; i < found.length; i++) {
    const f = found[i]!;
    const layers = done.has(f.raw) ? [] : layerReferencesIn(f.raw, ctx);
    done.add(f.raw);
    if (layers.length > 0 && out === undefined) out = found.slice(0, i);
    if (out === undefined) continue;
    out.push(f);
    for (const parsed of layers) out.push({ raw: f.raw, parsed });
  }
  return out ?? found;
}

/**
 * The references in one stored value, read according to the column's mode. A value can yield
 * several entries with the same `raw`: a URL and the assets its transformations use.
 */
export function referencesIn(value: string, ctx: ParseContext, mode: ExtractMode): FoundReference[] {
  if (mode === 'value') return withLayers([{ raw: value, parsed: parseReference(value, ctx) }], ctx);
  if (mode === 'text') return withLayers(extractReferences(value, ctx), ctx);
  return withLayers(autoReferences(value, ctx, 0), ctx);
}
