/**
 * References inside stored text (HTML, Markdown, JSON, prose): every `s3://` URI and http(s) or
 * protocol-relative URL, also JSON-escaped (`\/`), entity-encoded (`&#x2F;`, `&amp;`) or
 * percent-encoded inside another URL (`/_next/image?url=https%3A%2F%2F…`). URLs of this store (or
 * naming another bucket of it) are references. Any other URL, and a host-less path in an HTML
 * attribute (`src="/media/a.jpg"`, each `srcset` candidate), a Markdown link target
 * (`![x](/media/a.jpg)`) or a CSS `url(/media/bg.jpg)`, may be a custom domain or proxy nobody listed
 * in storage.hosts: its path protects the object it would name, and is never required. Bare keys in
 * prose are not recognised.
 */
import type { ExtractMode, FoundReference } from '../../backend.js';
import type { AssetKey, ParsedReference } from '../../../references/types.js';
import type { S3GrammarContext } from './context.js';
import { isPresigned, parseS3Reference, queryStart, UNRELATED } from './parse.js';

const URL_RE = /(?:\bs3:\/\/|(?:\bhttps?:)?\/\/)[^\s"'<>`\\{}|^[\]]+/gi;
/** src-like and srcset-like attributes, with the whole quoted value (a path may hold spaces). */
const ATTRIBUTE_RE = /\b(src|href|poster|data-src|srcset|data-srcset|imagesrcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`=]+))/gi;
/** A Markdown link or image target, `](/a.jpg)`, `](/a.jpg "title")`, `](</a b.jpg>)`, one level of brackets inside. */
const MARKDOWN_TARGET_RE = /\]\(\s*(?:<([^<>\n]*)>|((?:[^\s()]|\([^\s()]*\))+))/g;
/** A CSS `url(...)`, quoted or not. */
const CSS_URL_RE = /\burl\(\s*(?:"([^"\n]*)"|'([^'\n]*)'|([^\s"'()]+))\s*\)/gi;
const HOSTLESS = /^\/(?!\/)/;
const ENCODED_URL_RE = /\b(?:https?|s3)%3A%2F%2F[^\s"'<>&]+/gi;
const TRAILING = /[.,;:!?)]+$/;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', quot: '"', apos: "'", lt: '<', gt: '>', sol: '/', colon: ':', quest: '?', equals: '=' };

/** Undoes JSON string escapes and HTML character references, the ways a URL hides in stored text. */
export function unescapeText(text: string): string {
  let t = text;
  if (t.includes('\\')) t = t.replace(/\\u([0-9a-fA-F]{4})|\\(["/\\])/g, (_m, hex: string | undefined, ch: string | undefined) => (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : ch!));
  if (t.includes('&')) {
    t = t.replace(/&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-z]+));/g, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
      const n = dec !== undefined ? parseInt(dec, 10) : hex !== undefined ? parseInt(hex, 16) : undefined;
      if (n !== undefined) return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : '';
      return ENTITIES[name!] ?? whole;
    });
  }
  return t;
}

/** The keys a URL's or a path's path would name as a bare key (query and fragment dropped). */
export function pathKeys(url: string, ctx: S3GrammarContext): AssetKey[] {
  let path: string;
  try {
    path = new URL(url, 'https://relative.invalid').pathname;
  } catch {
    return [];
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    decoded = path;
  }
  const trimmed = decoded.replace(/^\/+/, '');
  if (trimmed === '') return [];
  const parsed = parseS3Reference(trimmed, ctx);
  return parsed.kind === 'asset' ? parsed.candidates : [];
}

/** The reference as reported: a presigned URL loses its query (the signature is a credential). */
const reported = (url: string): string => (isPresigned(url) ? url.slice(0, queryStart(url)) : url);

export function referencesIn(value: string, ctx: S3GrammarContext, mode: ExtractMode): FoundReference[] {
  const trimmed = value.trim();
  if (mode === 'value' || (mode === 'auto' && !looksLikeText(trimmed))) {
    return trimmed === '' ? [] : [{ raw: reported(trimmed), parsed: parseS3Reference(trimmed, ctx) }];
  }
  const found = scan(value, ctx);
  if (mode !== 'auto') return found;
  return found.length === 0 ? wholeValue(value, ctx) : withWholeUrl(value, found, ctx);
}

const URL_START = /^(?:s3:|https?:)?\/\//i;

/**
 * An auto-mode value that is one URL with a raw space (`https://…/docs/Annual Report.pdf`): the scan
 * cut it at the space. Read whole too: a key-like path is the reference and the cut readings only
 * protect; otherwise the whole reading only protects.
 */
function withWholeUrl(value: string, found: FoundReference[], ctx: S3GrammarContext): FoundReference[] {
  const t = value.trim();
  if (!URL_START.test(t) || !/\s/.test(t) || /[\r\n]/.test(t) || t.indexOf('//', 8) >= 0) return found;
  const whole = wholeUrl(t, ctx);
  if (!whole) return found;
  const raw = reported(t);
  const path = t.replace(/[?#].*$/s, '');
  if (whole.protectOnly || !KEY_END.test(path) || PROSE.test(path)) return [...found, { raw, parsed: { ...whole, protectOnly: true } }];
  return [{ raw, parsed: whole }, ...found.map((f): FoundReference => (f.parsed.kind === 'asset' ? { raw: f.raw, parsed: { ...f.parsed, protectOnly: true } } : f))];
}

/** What a whole URL names, or, on a host nobody listed, the key its path would name (protect-only). */
function wholeUrl(url: string, ctx: S3GrammarContext): Extract<ParsedReference, { kind: 'asset' }> | undefined {
  const parsed = parseS3Reference(url, ctx);
  if (parsed.kind === 'asset') return parsed;
  if (parsed.kind !== 'foreign' || parsed.reason !== UNRELATED) return undefined;
  const keys = pathKeys(url, ctx);
  return keys.length ? { kind: 'asset', candidates: keys, protectOnly: true } : undefined;
}

/** Signs that a one-line value is a sentence, not a key: markup, or punctuation followed by a space. */
const PROSE = /[<>{}"`\t]|[:;,!?]\s|\.\s/;
const KEY_END = /\.[a-z0-9]{1,10}$/i;

/**
 * An auto-mode value the text scan found nothing in, read whole: a FileField name with spaces or
 * brackets (`docs/Annual Report.pdf`, `docs/a(1).jpg`) is a key like any other, so it is required.
 * Any other one-line value (a sentence, a key without an extension) may still be a key: it protects
 * the object it would name and is never required, so it never makes a missing finding.
 */
function wholeValue(value: string, ctx: S3GrammarContext): FoundReference[] {
  const t = value.trim();
  if (t === '' || /[\r\n]/.test(t)) return [];
  const parsed = parseS3Reference(t, ctx);
  if (parsed.kind !== 'asset') return [];
  const keyLike = KEY_END.test(t) && !PROSE.test(t);
  return [{ raw: isPresigned(t) ? reported(t) : value, parsed: keyLike ? parsed : { ...parsed, protectOnly: true } }];
}

const looksLikeText = (v: string): boolean => /\s|\]\(|\burl\(/i.test(v) || v.includes('<') || v.startsWith('{') || v.startsWith('[') || (/\/\//.test(v) && !/^(?:s3:|https?:)?\/\//i.test(v));

/** The URLs of a srcset, as HTML parses it: a URL runs to whitespace; its descriptors run to a comma. */
function srcsetUrls(srcset: string): string[] {
  const urls: string[] = [];
  let i = 0;
  while (i < srcset.length) {
    while (i < srcset.length && /[\s,]/.test(srcset[i]!)) i++;
    let j = i;
    while (j < srcset.length && !/\s/.test(srcset[j]!)) j++;
    const url = srcset.slice(i, j);
    if (url === '') break;
    if (url.endsWith(',')) {
      urls.push(url.replace(/,+$/, ''));
      i = j;
      continue;
    }
    urls.push(url);
    const comma = srcset.indexOf(',', j);
    i = comma < 0 ? srcset.length : comma + 1;
  }
  return urls;
}

function scan(text: string, ctx: S3GrammarContext): FoundReference[] {
  const out: FoundReference[] = [];
  const seen = new Set<string>();
  const add = (raw: string, parsed: ParsedReference) => {
    seen.add(raw);
    out.push({ raw, parsed });
  };
  const consider = (candidate: string) => {
    const url = candidate.replace(TRAILING, '');
    const raw = reported(url);
    if (seen.has(raw)) return;
    const parsed = parseS3Reference(url, ctx);
    if (parsed.kind === 'invalid') return;
    if (parsed.kind === 'foreign' && parsed.reason === UNRELATED) {
      const keys = pathKeys(url, ctx);
      if (keys.length) add(raw, { kind: 'asset', candidates: keys, protectOnly: true });
      return;
    }
    add(raw, parsed);
  };
  const plain = unescapeText(text);
  for (const m of plain.matchAll(URL_RE)) consider(m[0]);
  // a host-less path may be served by a proxy of the bucket: it protects, never requires
  const path = (candidate: string, trimTrailing = true) => {
    const p = trimTrailing ? candidate.replace(TRAILING, '') : candidate;
    if (!HOSTLESS.test(p)) return;
    const raw = reported(p);
    const keys = seen.has(raw) ? [] : pathKeys(p, ctx);
    if (keys.length) add(raw, { kind: 'asset', candidates: keys, protectOnly: true });
  };
  // a quoted URL with a raw space (`src="https://…/my photo.jpg"`) was cut by URL_RE: read whole, it protects
  const spaced = (candidate: string) => {
    if (!URL_START.test(candidate) || !/\s/.test(candidate)) return;
    const raw = reported(candidate);
    const whole = seen.has(raw) ? undefined : wholeUrl(candidate, ctx);
    if (whole) add(raw, { ...whole, protectOnly: true });
  };
  for (const m of plain.matchAll(ATTRIBUTE_RE)) {
    const name = m[1]!.toLowerCase();
    const quoted = m[2] ?? m[3];
    const content = (quoted ?? m[4]!).trim();
    // srcset: each candidate is a URL then descriptors (`1x`, `640w`), candidates split by commas
    if (name.endsWith('srcset')) {
      for (const url of srcsetUrls(content)) path(url, false);
      continue;
    }
    // a quoted src may hold a raw space (`/media/my photo.jpg`): read whole and piece by piece
    if (quoted !== undefined) {
      path(content, false);
      spaced(content);
    }
    for (const token of content.split(/\s+/)) path(token);
  }
  for (const m of plain.matchAll(MARKDOWN_TARGET_RE)) {
    if (m[1] !== undefined) {
      path(m[1].trim(), false);
      spaced(m[1].trim());
    } else path(m[2]!, false);
  }
  for (const m of plain.matchAll(CSS_URL_RE)) {
    const target = (m[1] ?? m[2] ?? m[3]!).trim();
    path(target, false);
    spaced(target);
  }
  for (const m of plain.matchAll(ENCODED_URL_RE)) {
    try {
      consider(decodeURIComponent(m[0]));
    } catch {
      // broken encoding: not a URL
    }
  }
  return out;
}
