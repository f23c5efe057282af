/**
 * References inside stored text (HTML, Markdown, JSON, prose): every `s3://` URI and http(s) or
 * protocol-relative URL, also JSON-escaped (`\/`), entity-encoded (`&#x2F;`, `&amp;`) or
 * percent-encoded inside another URL (`/_next/image?url=https%3A%2F%2F…`). Only URLs of this store
 * (or naming another bucket of it) are kept; bare keys in prose are not recognised.
 */
import type { ExtractMode, FoundReference } from '../../backend.js';
import type { S3GrammarContext } from './context.js';
import { isPresigned, parseS3Reference, UNRELATED } from './parse.js';

const URL_RE = /(?:\bs3:\/\/|(?:\bhttps?:)?\/\/)[^\s"'<>`\\{}|^[\]]+/gi;
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

/** The reference as reported: a presigned URL loses its query (the signature is a credential). */
const reported = (url: string): string => (isPresigned(url) ? url.slice(0, url.indexOf('?')) : url);

export function referencesIn(value: string, ctx: S3GrammarContext, mode: ExtractMode): FoundReference[] {
  const trimmed = value.trim();
  if (mode === 'value' || (mode === 'auto' && !looksLikeText(trimmed))) {
    return trimmed === '' ? [] : [{ raw: reported(trimmed), parsed: parseS3Reference(trimmed, ctx) }];
  }
  return scan(value, ctx);
}

const looksLikeText = (v: string): boolean => /\s/.test(v) || v.includes('<') || v.startsWith('{') || v.startsWith('[') || (/\/\//.test(v) && !/^(?:s3:|https?:)?\/\//i.test(v));

function scan(text: string, ctx: S3GrammarContext): FoundReference[] {
  const out: FoundReference[] = [];
  const seen = new Set<string>();
  const consider = (candidate: string) => {
    const url = candidate.replace(TRAILING, '');
    const raw = reported(url);
    if (seen.has(raw)) return;
    const parsed = parseS3Reference(url, ctx);
    if (parsed.kind === 'invalid' || (parsed.kind === 'foreign' && parsed.reason === UNRELATED)) return;
    seen.add(raw);
    out.push({ raw, parsed });
  };
  const plain = unescapeText(text);
  for (const m of plain.matchAll(URL_RE)) consider(m[0]);
  for (const m of plain.matchAll(ENCODED_URL_RE)) {
    try {
      consider(decodeURIComponent(m[0]));
    } catch {
      // broken encoding: not a URL
    }
  }
  return out;
}
