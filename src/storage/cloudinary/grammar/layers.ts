/**
 * Assets named INSIDE transformations: overlays / underlays, default images, custom fonts of text
 * layers, subtitle and LUT files, WebAssembly functions. Such an asset is in use even though no
 * row stores its id, so it must never be reported as an orphan.
 *
 * Forms recognised in each comma-separated component of a transformation segment
 * (Cloudinary replaces `/` in a layer's public id with `:`):
 * - `l_<id>` / `u_<id>`: image, `l_logo`, `l_folder:sub:logo`, `l_logo.png` (format stripped as in
 *   delivery URLs). `l_private:<id>` / `l_authenticated:<id>` / `l_upload:<id>` / `l_image:<id>`:
 *   typed image, plus the literal reading (a folder with that name).
 * - `l_video:<id>`, `l_audio:<id>` (video resource type), optionally `l_video:private:<id>`.
 * - `l_raw:<id>`, `l_lut:<id>` (raw file, e.g. `.3dl`), plus the literal image reading.
 * - `l_text:<style>:<text>`: the style's font family is an asset when it is a custom font
 *   (`folder:myfont.ttf_20…` → raw `folder/myfont.ttf`; `.ttf`, `.otf`, `.woff`, `.woff2`).
 *   Built-in families (`Arial_20`) name nothing.
 * - `l_subtitles:[type:][style:]<id>`: raw subtitle file (candidates: the whole path, and the path
 *   after each part that can end a style — `arial_20` — or is a delivery type) and the style's
 *   custom font.
 * - `d_<id.ext>`: default image (upload type), `d_folder:avatar.png` → `folder/avatar`.
 * - `fn_wasm:<id>` (and `fn_pre:wasm:`): raw `.wasm` file.
 * - `l_$var` / `u_$var` with a `$var_!folder:id!` assignment in the same URL: the value (uncertain).
 * Ignored: `l_fetch:` / `l_video:fetch:` (remote, base64), other remote types, `l_$var` without an
 * assignment, predefined text templates (`l_text:template:…`, text-type assets).
 *
 * Where: the leading transformation segments of every reading of a URL / CloudinaryField value
 * (parse.ts `transformationRuns`). A layer is a requirement (may be reported missing) only when
 * every reading has it in segments followed by a version (or a fetch source) and it is no guess;
 * otherwise the reference carries `protectOnly: true`: protected from deletion, never "missing".
 */
import type { DeliveryType, ResourceType } from '../partitions.js';
import { mediaIdReadings } from './formats.js';
import { Candidates, transformationRuns } from './parse.js';
import type { AssetKey, ParsedReference } from '../../../references/types.js';
import type { ParseContext } from './context.js';

export interface LayerAsset {
  /** Every reading of the one asset the component names; the asset exists when any does. */
  candidates: AssetKey[];
  /** False for guesses (a custom font picked out of a text style that also looks built-in, a variable's value). */
  certain: boolean;
}

const TYPED_PREFIXES: ReadonlySet<string> = new Set(['upload', 'private', 'authenticated']);
/** Layer sources that are not assets of this account. */
const REMOTE_PREFIXES: ReadonlySet<string> = new Set([
  'fetch', 'url2png', 'facebook', 'twitter', 'twitter_name', 'twitter_id', 'gravatar', 'youtube', 'hulu', 'vimeo',
  'animoto', 'worldstarhiphop', 'dailymotion', 'instagram', 'instagram_name',
]);
const KEY_RE = /^([a-z]{1,4})_/;
const VAR_ASSIGN_RE = /^\$([A-Za-z][A-Za-z0-9]{0,39})_!([^!]{1,1000})!$/;
const VAR_USE_RE = /^\$([A-Za-z][A-Za-z0-9]{0,39})$/;
/** A custom font at the start of a text style: `<font id with extension>_<size>`. */
const CUSTOM_FONT_RE = /^([^:_][^]{0,500}?\.(?:ttf|otf|woff2?))_(?=\d|\$)/i;
/** A built-in style break (`Arial_20:` / `Arial_20_bold:`) inside what looked like a font id. */
const STYLE_BREAK_RE = /_\d{1,4}(?:_[a-z_0-9]{0,80})?:/i;
/** A `:`-part that can end a text style: it carries the font size. */
const STYLE_PART_RE = /_(?:\d|\$)/;
/** Values are at most 2048 characters; this only bounds pathological direct calls. */
const MAX_COMPONENTS = 4096;

/** Candidates in order, without duplicates; a layer spec can leave an empty id, which names nothing. */
class Keys extends Candidates {
  override add(publicId: string, resourceType: ResourceType | undefined, type: DeliveryType | undefined): void {
    if (publicId !== '') super.add(publicId, resourceType, type);
  }
}

/** The id as written plus, when it has `%`, decoded (a malformed escape keeps only the literal). */
function readings(s: string): string[] {
  if (!s.includes('%')) return [s];
  let d: string;
  try {
    d = decodeURIComponent(s);
  } catch {
    return [s];
  }
  if (d === s || /[\u0000-\u001f\u007f-\u009f]/.test(d)) return [s];
  return [d, s];
}

/** `folder:sub:logo` → `folder/sub/logo` (empty parts dropped). */
function colonPath(parts: readonly string[]): string {
  return parts.filter((p) => p !== '').join('/');
}

/** Adds an image/video id with the delivery extension rule (known format stripped; unknown: both). */
function addMedia(keys: Keys, path: string, rt: ResourceType, type: DeliveryType | undefined): void {
  for (const id of readings(path)) for (const reading of mediaIdReadings(id)) keys.add(reading, rt, type);
}

function addRaw(keys: Keys, path: string, type: DeliveryType | undefined): void {
  for (const id of readings(path)) keys.add(id, 'raw', type);
}

/** The custom font of a text / subtitles style, if the style starts with one. */
function fontOf(style: string): LayerAsset | undefined {
  const m = CUSTOM_FONT_RE.exec(style);
  if (m?.[1] === undefined) return undefined;
  const keys = new Keys();
  // Custom fonts are raw, authenticated files; any delivery type is accepted so a font uploaded
  // otherwise is not reported missing.
  addRaw(keys, colonPath(m[1].split(':')), undefined);
  if (keys.list.length === 0) return undefined;
  return { candidates: keys.list, certain: !STYLE_BREAK_RE.test(m[1]) };
}

/** What one `l_` / `u_` value names (empty for text without a custom font, remote layers…). */
function layerSpec(spec: string, vars: ReadonlyMap<string, string>, out: LayerAsset[], viaVariable: boolean): void {
  if (spec === '') return;
  if (spec.charCodeAt(0) === 36 /* $ */) {
    const m = VAR_USE_RE.exec(spec);
    const value = m?.[1] !== undefined ? vars.get(m[1]) : undefined;
    if (value !== undefined && !viaVariable) layerSpec(value, vars, out, true);
    return;
  }
  const parts = spec.split(':');
  const head = parts[0]!;
  const certain = !viaVariable;
  if (parts.length > 1) {
    if (head === 'text') {
      const font = fontOf(parts.slice(1).join(':'));
      if (font !== undefined) out.push(viaVariable ? { ...font, certain: false } : font);
      return;
    }
    if (head === 'subtitles') {
      const rest = parts.slice(1);
      const font = fontOf(rest.join(':'));
      if (font !== undefined) out.push(viaVariable ? { ...font, certain: false } : font);
      const keys = new Keys();
      // [type:][style:]folder:file.srt — the id starts at the beginning or right after a part that
      // ends a style (`arial_20`, `fonts:my.ttf_20_bold`) or is a delivery type
      for (let k = 0; k < rest.length; k++) {
        const prev = k === 0 ? undefined : rest[k - 1]!;
        if (prev === undefined || TYPED_PREFIXES.has(prev) || STYLE_PART_RE.test(prev)) addRaw(keys, colonPath(rest.slice(k)), undefined);
      }
      if (keys.list.length > 0) out.push({ candidates: keys.list, certain });
      return;
    }
    if (REMOTE_PREFIXES.has(head)) return;
    // `[resource type:][delivery type:]folder:id`; the keywords could also be folder names, so
    // the literal readings are kept too — except `video:`/`audio:`, which Cloudinary always reads
    // as the keyword.
    let rt: ResourceType | undefined;
    if (head === 'video' || head === 'audio') rt = 'video';
    else if (head === 'image') rt = 'image';
    else if (head === 'raw' || head === 'lut') rt = 'raw';
    const afterRt = rt === undefined ? parts : parts.slice(1);
    const second = afterRt[0];
    if (afterRt.length > 1 && second !== undefined && REMOTE_PREFIXES.has(second)) return; // l_video:fetch:<base64>
    const keys = new Keys();
    const add = (path: string, r: ResourceType, t: DeliveryType): void => {
      if (path === '') return;
      if (r === 'raw') addRaw(keys, path, t);
      else addMedia(keys, path, r, t);
    };
    const r = rt ?? 'image';
    if (afterRt.length > 1 && second !== undefined && TYPED_PREFIXES.has(second)) {
      add(colonPath(afterRt.slice(1)), r, second as DeliveryType);
      add(colonPath(afterRt), r, 'upload'); // a folder named `private`…
    } else {
      add(colonPath(afterRt), r, 'upload');
    }
    if (rt !== undefined && rt !== 'video') add(colonPath(parts), 'image', 'upload'); // a folder named `image`, `raw`, `lut`
    if (keys.list.length > 0) out.push({ candidates: keys.list, certain });
    return;
  }
  const keys = new Keys();
  addMedia(keys, spec, 'image', 'upload');
  if (keys.list.length > 0) out.push({ candidates: keys.list, certain });
}

function candidateKey(c: readonly AssetKey[]): string {
  return c.map((k) => `${k.resourceType ?? ''}|${k.type ?? ''}|${k.publicId}`).join('\n');
}

/**
 * The assets named by the layer / underlay / default-image / font / function components of
 * transformation segments (`l_logo`, `c_fill,w_300`, `l_text:fonts:a.ttf_20:Hi`…), one entry per
 * asset, deduplicated. An id with `%` gives both its literal and its decoded reading (URL
 * segments are encoded, CloudinaryField values are stored as-is).
 * Pure; never throws.
 */
export function layerReferences(segments: readonly string[]): LayerAsset[] {
  const components: string[] = [];
  for (const seg of segments) {
    for (const c of seg.split(',')) {
      if (components.length >= MAX_COMPONENTS) break;
      components.push(c);
    }
  }
  const vars = new Map<string, string>();
  for (const c of components) {
    if (c.charCodeAt(0) !== 36 /* $ */) continue;
    const m = VAR_ASSIGN_RE.exec(c);
    if (m?.[1] !== undefined && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  const found: LayerAsset[] = [];
  for (const c of components) {
    const m = KEY_RE.exec(c);
    if (m === null) continue;
    const value = c.slice(m[0].length);
    switch (m[1]) {
      case 'l':
      case 'u':
        layerSpec(value, vars, found, false);
        break;
      case 'd': {
        if (value === '' || value.charCodeAt(0) === 36) break;
        const keys = new Keys();
        addMedia(keys, colonPath(value.split(':')), 'image', 'upload');
        if (keys.list.length > 0) found.push({ candidates: keys.list, certain: true });
        break;
      }
      case 'fn': {
        const v = value.startsWith('pre:') ? value.slice(4) : value;
        if (!v.startsWith('wasm:')) break;
        const keys = new Keys();
        addRaw(keys, colonPath(v.slice(5).split(':')), undefined);
        if (keys.list.length > 0) found.push({ candidates: keys.list, certain: true });
        break;
      }
      default:
        break;
    }
  }
  // one entry per asset; a certain reading wins over an uncertain one of the same candidates
  const byKey = new Map<string, LayerAsset>();
  for (const f of found) {
    const k = candidateKey(f.candidates);
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, f);
    else if (f.certain && !prev.certain) byKey.set(k, { ...prev, certain: true });
  }
  return [...byKey.values()];
}

/** Quick test: a transformation parameter that can name an asset. */
const LAYER_HINT_RE = /(?:^|[/,])(?:l|u|d|fn)_/;

/**
 * The extra references one stored value (delivery URL or `RT/TYPE/…` value of this account) makes
 * through its transformations: one `asset` reference per layer / default image / font / function.
 * `protectOnly` is set unless every reading of the value has the asset in a segment that is
 * certainly a transformation (followed by a version, or by a fetch source) and the reading is certain.
 * Layers in segments Cloudinary would read as part of the id (`folder/l_logo/…`) are protected only.
 */
export function layerReferencesIn(value: string, ctx: ParseContext): ParsedReference[] {
  if (typeof value !== 'string' || !LAYER_HINT_RE.test(value)) return [];
  const runs = transformationRuns(value, ctx);
  if (runs.length === 0) return [];
  const acc = new Map<string, { candidates: AssetKey[]; definiteRuns: number; certain: boolean }>();
  for (const run of runs) {
    for (const layer of layerReferences(run.segments)) {
      const k = candidateKey(layer.candidates);
      let e = acc.get(k);
      if (e === undefined) {
        e = { candidates: layer.candidates, definiteRuns: 0, certain: true };
        acc.set(k, e);
      }
      if (run.definite) e.definiteRuns++;
      if (!layer.certain) e.certain = false;
    }
    if (run.loose !== undefined) {
      for (const layer of layerReferences(run.loose)) {
        const k = candidateKey(layer.candidates);
        if (!acc.has(k)) acc.set(k, { candidates: layer.candidates, definiteRuns: 0, certain: false });
      }
    }
  }
  const out: ParsedReference[] = [];
  for (const e of acc.values()) {
    const ref: ParsedReference = { kind: 'asset', candidates: e.candidates };
    if (!e.certain || e.definiteRuns < runs.length) ref.protectOnly = true;
    out.push(ref);
  }
  return out;
}
