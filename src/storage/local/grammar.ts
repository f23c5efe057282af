/**
 * How stored values name files of a media folder (Django's FileField and the like):
 * - a FileField value, the path relative to the root: `profile_pics/a.jpg` (a `%` in it may be part
 *   of the name or an escape, so both readings are candidates);
 * - a path under MEDIA_URL: `/media/profile_pics/a%20b.jpg` (percent-decoded, query and fragment
 *   dropped), or an absolute URL of it on one of `storage.hosts`;
 * - any of those inside HTML, Markdown or JSON text.
 * A value that would leave the root (`..`, an absolute filesystem path) is invalid and never
 * resolved; one that starts with the root's own absolute path only protects what it names.
 */
import type { AssetKey, ParsedReference } from '../../references/types.js';
import type { ExtractMode, FoundReference, ReferenceGrammar } from '../backend.js';

export interface LocalGrammarContext {
  /** The root, absolute. */
  root: string;
  /** Django's MEDIA_URL: a path (`/media/`) or an absolute URL (`https://cdn.example.com/media/`). */
  mediaUrl?: string;
  /** Hosts whose URLs under MEDIA_URL name this folder's files. */
  hosts: string[];
}

/** JSON leaves read per document at most (a huge document protects its first leaves only). */
const MAX_JSON_LEAVES = 10_000;
/** Trailing parts of a refused path kept as protect-only readings (`/uploads/a/b.jpg`: `a/b.jpg`, `b.jpg`…). */
const MAX_SUFFIXES = 8;
/** Longest one-line value also read whole in auto mode (a stored name with spaces or brackets). */
const MAX_WHOLE_VALUE = 1024;
/** A one-line value that is markup or holds a URL is never required whole (only protected). */
const NOT_BARE = /[<>{}\t]|:\/\//;
/** Attributes whose quoted value is a comma-separated list of `URL descriptor` candidates. */
const SRCSET_ATTRIBUTE = /(?:^|[\s"'\\/])(?:data-)?(?:srcset|imagesrcset|sizes)\s*=\s*\\?$/i;

/** The URLs of a srcset value (`/a.jpg 1x, /b.jpg 2x`), each with its offset in the value. */
export function srcsetUrls(value: string): Array<{ url: string; at: number }> {
  const out: Array<{ url: string; at: number }> = [];
  let i = 0;
  while (i < value.length) {
    while (i < value.length && /[\s,]/.test(value[i]!)) i++;
    const start = i;
    while (i < value.length && !/\s/.test(value[i]!)) i++;
    let url = value.slice(start, i);
    // a URL ending in commas has no descriptors; otherwise the descriptors run to the next comma
    if (url.endsWith(',')) url = url.replace(/,+$/, '');
    else while (i < value.length && value[i] !== ',') i++;
    if (url) out.push({ url, at: start });
  }
  return out;
}

const invalid = (reason: string): ParsedReference => ({ kind: 'invalid', reason });
const foreign = (reason: string): ParsedReference => ({ kind: 'foreign', reason });

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** A JSON document (its string leaves are read as values on their own: jsonLeaves). */
function isJson(text: string): boolean {
  if (!/^[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Why a relative path cannot name a file under the root, or undefined when it can. */
export function badRelative(rel: string): string | undefined {
  if (rel === '') return 'an empty path';
  if (rel.includes('\0')) return 'a NUL character';
  if (rel.startsWith('/') || /^[A-Za-z]:[\\/]/.test(rel)) return 'an absolute filesystem path';
  const parts = rel.split('/');
  if (parts.includes('..')) return 'a ".." segment (would leave the root)';
  if (parts.includes('.')) return 'a "." segment (not a stored path)';
  if (rel.endsWith('/')) return 'a folder, not a file';
  if (parts.includes('')) return 'an empty segment ("//")';
  return undefined;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function localGrammar(ctx: LocalGrammarContext): ReferenceGrammar {
  const media = parseMediaUrl(ctx.mediaUrl);
  const hosts = new Set([...ctx.hosts.map((h) => h.toLowerCase()), ...(media.host ? [media.host] : [])]);
  const rootPrefix = ctx.root.endsWith('/') ? ctx.root : `${ctx.root}/`;

  const asset = (candidates: string[]): ParsedReference => {
    const unique = [...new Set(candidates)];
    for (const rel of unique) {
      const bad = badRelative(rel);
      if (bad) return invalid(`${bad}: never resolved outside the root`);
    }
    return { kind: 'asset', candidates: unique.map((publicId) => ({ publicId })) };
  };

  /** A path of the site (`/media/a.jpg`), query and fragment already dropped. */
  const sitePath = (p: string): ParsedReference => {
    if (!media.path || !p.startsWith(media.path)) {
      if (p.startsWith(rootPrefix)) return invalid('an absolute filesystem path (the root\'s own): only protected, never resolved');
      return media.path ? foreign(`a path outside MEDIA_URL (${media.path})`) : invalid('an absolute path, and no storage.mediaUrl is set to read it against');
    }
    const rest = p.slice(media.path.length);
    const decoded = decode(rest);
    return asset([decoded ?? rest]);
  };

  const parseUrl = (value: string): ParsedReference => {
    let url: URL;
    try {
      url = new URL(value.startsWith('//') ? `https:${value}` : value);
    } catch {
      return invalid('not a valid URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return foreign(`a ${url.protocol} URL`);
    if (!hosts.has(url.host.toLowerCase()) && !hosts.has(url.hostname.toLowerCase())) return foreign(`another host (${url.host})`);
    return sitePath(url.pathname);
  };

  /** One whole stored value. */
  const parseValue = (raw: string): ParsedReference => {
    const value = raw.trim();
    if (value === '') return invalid('an empty value');
    if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value) || value.startsWith('//')) return parseUrl(value);
    if (/^(?:data|mailto|javascript|tel):/i.test(value)) return foreign('not a file URL');
    if (value.startsWith('/')) return sitePath(value.replace(/[?#].*$/s, ''));
    if (/^[A-Za-z]:[\\/]/.test(value)) return invalid('an absolute filesystem path');
    // a FileField value is the stored name itself; a "%" may be part of it or an escape, and
    // whitespace around it may be part of the name too (a file named "a.jpg " exists): all are kept
    const decoded = value.includes('%') ? decode(value) : undefined;
    const readings = decoded !== undefined && decoded !== value ? [value, decoded] : [value];
    if (raw !== value && !badRelative(raw)) readings.push(raw);
    return asset(readings);
  };

  /** What a refused value may still name: protected, never required. */
  const fallbackOf = (raw: string): AssetKey[] => {
    const p = raw.trim().replace(/[?#].*$/s, '');
    // a value naming a file by the root's own absolute path keeps that file, never more
    if (p.startsWith(rootPrefix)) {
      const rel = p.slice(rootPrefix.length);
      return badRelative(rel) ? [] : [{ publicId: rel }];
    }
    // a path outside MEDIA_URL, or a URL on a host not listed, may still be this folder's file
    // served another way: its trailing parts are kept (never required, never resolved)
    let sitePathOf: string | undefined;
    if (/^(?:https?:)?\/\//i.test(p)) {
      try {
        sitePathOf = new URL(p.startsWith('//') ? `https:${p}` : p).pathname;
      } catch {
        return [];
      }
    } else if (p.startsWith('/')) sitePathOf = p;
    if (!sitePathOf) return [];
    const parts = (decode(sitePathOf) ?? sitePathOf).split('/').filter(Boolean);
    const keys: AssetKey[] = [];
    for (let i = Math.max(0, parts.length - MAX_SUFFIXES); i < parts.length; i++) {
      const rel = parts.slice(i).join('/');
      if (!badRelative(rel)) keys.push({ publicId: rel });
    }
    return keys;
  };

  /** A path or URL found in text: what it names, required, or `undefined` when it is neither. */
  const readPiece = (raw: string): ParsedReference | undefined => {
    if (raw.startsWith('//') || /^https?:/i.test(raw)) return /^(?:https?:)?\/\/[^/]+\//i.test(raw) ? parseUrl(raw) : undefined;
    if (raw.startsWith('/') && raw.length > 1) return sitePath(raw.replace(/[?#].*$/s, ''));
    return undefined;
  };

  /** Every MEDIA_URL path and host URL inside HTML, Markdown or JSON text. */
  const inText = (text: string): FoundReference[] => {
    const found: FoundReference[] = [];
    const flat = text.replace(/\\\//g, '/').replace(/&amp;/g, '&');
    const seen = new Set<number>();
    const add = (raw: string, at: number, parsed: ParsedReference) => {
      if (seen.has(at)) return;
      seen.add(at);
      // a link elsewhere is counted as foreign; its path still protects (fallback), in case MEDIA_URL or the hosts are incomplete
      found.push({ raw, parsed });
    };
    /** Keeps what a piece may name without requiring it: its reading, or the fallback of a refused one. */
    const protect = (raw: string, parsed: ParsedReference) => {
      const candidates = parsed.kind === 'asset' ? parsed.candidates : parsed.kind === 'foreign' && parsed.noAsset ? [] : fallbackOf(raw);
      if (candidates.length) found.push({ raw, parsed: { kind: 'asset', candidates, protectOnly: true } });
    };
    // quoted (HTML attributes, JSON strings), Markdown link targets (also in <angle> form) may hold spaces; bare ones end at one
    const pattern = /(["'])((?:https?:)?\/\/[^"'<>\s]+?|\/[^"'<>]*?)\1|\(<((?:https?:)?\/\/[^"'<>]*?|\/[^"'<>]*?)>|\]\(((?:https?:)?\/\/[^()<>"'\s]+|\/[^()<>"']+?)(?:\s+["'][^"']*["'])?\)|((?:https?:)?\/\/[^\s"'<>()[\]]+|(?<![\w/.:<])\/[^\s"'<>()[\]]+)/g;
    for (const m of flat.matchAll(pattern)) {
      const raw = (m[2] ?? m[3] ?? m[4] ?? m[5] ?? '').trim();
      const at = m.index + m[0].indexOf(raw);
      if (!raw) continue;
      if (m[2] !== undefined && SRCSET_ATTRIBUTE.test(flat.slice(Math.max(0, m.index - 40), m.index))) {
        // `srcset="/a.jpg 1x, /b.jpg 2x"`: each candidate URL is a reference, the descriptors are not part of it
        for (const c of srcsetUrls(raw)) {
          const parsed = readPiece(c.url);
          if (parsed) add(c.url, at + c.at, parsed);
        }
        continue;
      }
      const parsed = readPiece(raw);
      if (!parsed) continue;
      // a quoted value with spaces is one name with spaces (`/media/img one.png`) or several paths
      // (`/media/a.jpg /media/b.jpg`): each /… piece is kept, and the whole is required only when
      // no later piece is a path of its own
      const pieces = m[2] !== undefined && /\s/.test(raw) ? [...raw.matchAll(/\S+/g)].map((p) => p[0].replace(/,+$/, '')).flatMap((p) => {
        const read = readPiece(p);
        return read ? [{ p, read }] : [];
      }) : [];
      const several = pieces.some((x, i) => i > 0 || !raw.startsWith(x.p));
      if (several && !seen.has(at)) {
        seen.add(at);
        protect(raw, parsed);
      } else add(raw, at, parsed);
      for (const x of pieces) protect(x.p, x.read);
    }
    return found;
  };

  return {
    referencesIn(value: string, mode: ExtractMode): FoundReference[] {
      const t = value.trim();
      const single = mode === 'value' || (mode === 'auto' && !/[\s"'<>()[\]{}]/.test(t));
      if (single) return [{ raw: value, parsed: parseValue(value) }];
      const found = inText(value);
      if (mode !== 'auto' || t === '' || t.length > MAX_WHOLE_VALUE || /[\n\r]/.test(t) || found.some((f) => f.raw === t)) return found;
      // a one-line value may be a stored name with spaces or brackets (`docs/Annual Report.pdf`,
      // `docs/a(1).jpg`): read whole, it is required when nothing else was found in it and it is
      // not markup, and protected always (when unsure, keep)
      const whole = parseValue(value);
      if (whole.kind !== 'asset' || isJson(t)) return found;
      if (!found.length) return [{ raw: value, parsed: NOT_BARE.test(t) ? { ...whole, protectOnly: true } : whole }];
      return NOT_BARE.test(t) ? found : [...found, { raw: value, parsed: { ...whole, protectOnly: true } }];
    },
    fallback: (raw: string): AssetKey[] => fallbackOf(raw),
    jsonLeaves(document: unknown): AssetKey[] {
      const keys: AssetKey[] = [];
      const visit = (v: unknown): void => {
        if (keys.length >= MAX_JSON_LEAVES) return;
        if (typeof v === 'string') {
          const parsed = parseValue(v);
          if (parsed.kind === 'asset') keys.push(...parsed.candidates);
        } else if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === 'object') Object.values(v).forEach(visit);
      };
      visit(document);
      return keys;
    },
    hintOf: () => undefined,
    // a site path under MEDIA_URL marks a reference; FileField values are matched against the folder's sample
    sampleHints: [escapeRe(media.path ?? '/media/')],
  };
}

/** MEDIA_URL as a path prefix (`/media/`) and, for an absolute one, its host. */
export function parseMediaUrl(mediaUrl: string | undefined): { path?: string; host?: string; origin?: string } {
  if (!mediaUrl) return {};
  if (/^https?:\/\//i.test(mediaUrl)) {
    const u = new URL(mediaUrl);
    return { path: u.pathname.endsWith('/') ? u.pathname : `${u.pathname}/`, host: u.host.toLowerCase(), origin: u.origin };
  }
  const p = mediaUrl.startsWith('/') ? mediaUrl : `/${mediaUrl}`;
  return { path: p.endsWith('/') ? p : `${p}/` };
}
