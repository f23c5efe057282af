/**
 * Pure: does a sampled column hold references to the store? A value counts when the grammar finds a
 * URL or path that says it lives in this store (Cloudinary: a delivery URL or `RT/TYPE/…` form of
 * this account), or when its bare reading names an asset (or a folder) seen in the store's sample.
 * Values are read exactly as detect reads them (`valuesOf` + the grammar), so a column init calls
 * covered is a column detect can read. Without a store's grammar, Cloudinary's is used.
 */
import { jsonLeafCandidates } from '../storage/cloudinary/grammar/fallback.js';
import { valuesOf } from '../references/collect.js';
import { referencesIn, type ExtractMode, type FoundReference } from '../storage/cloudinary/grammar/extract.js';
import { parseReference } from '../storage/cloudinary/grammar/parse.js';
import type { ParseContext } from '../storage/cloudinary/grammar/context.js';
import type { AssetSample } from './assets.js';
import type { ColumnSample } from './sample.js';
import type { ReferenceGrammar } from '../storage/backend.js';
import type { AssetKey } from '../references/types.js';

export interface ColumnFinding {
  sample: ColumnSample;
  /** Distinct values read. */
  sampled: number;
  /** Values holding a delivery URL or `RT/TYPE/…` reference of this account. */
  urlValues: number;
  /** Values whose bare reading names a sampled asset or lies in a sampled folder. */
  idValues: number;
  /** Values holding only Cloudinary URLs that are not this account's (other clouds, fetch). */
  foreignValues: number;
  /** Reference-holding values that had to be scanned as text (HTML, Markdown, JSON, several URLs). */
  textValues: number;
  /** References found in all. */
  references: number;
  /** Cloud names seen in delivery URLs (reported when CLOUDINARY_URL is not set). */
  clouds: Map<string, number>;
  holdsReferences: boolean;
  /** The extract mode to write; undefined = the default, `auto`. */
  extract?: ExtractMode;
  /** Per reference-holding value: the public_ids of what it references (for coverage checks). */
  referenced: Array<{ text: string; value: unknown; ids: Set<string> }>;
}

/** How init reads a value: the chosen store's grammar, or Cloudinary's (also with no store at all). */
export interface Reading {
  parse: ParseContext;
  /** A store other than Cloudinary: its own grammar reads the values. */
  grammar?: ReferenceGrammar;
}

const referencesOf = (value: string, r: Reading, mode: ExtractMode): FoundReference[] => (r.grammar ? r.grammar.referencesIn(value, mode) : referencesIn(value, r.parse, mode));
const leavesOf = (document: unknown, r: Reading): AssetKey[] => (r.grammar ? r.grammar.jsonLeaves(document) : jsonLeafCandidates(document, r.parse));

export interface ClassifyContext extends Reading {
  assets: AssetSample;
  /** No credentials: URLs of any cloud count, since this account's name is unknown. */
  anyCloud: boolean;
}

const CLOUD_OF_URL_RE = /^(?:(?:https?:)?\/\/)?(?:res(?:-\d{1,2})?\.cloudinary\.com\/([^/?#\s]+)|([a-z0-9-]+?)-res(?:-\d{1,2})?\.cloudinary\.com)/i;
const CLOUDINARY_HOST_RE = /cloudinary\.com|cloudinary-a\.akamaihd\.net|d3jpl91pxevbkh\.cloudfront\.net/i;

export function cloudOfUrl(raw: string): string | undefined {
  const m = CLOUD_OF_URL_RE.exec(raw);
  return m ? (m[1] ?? m[2])?.toLowerCase() : undefined;
}

/** A reference that says where it lives (URL or `RT/TYPE/…`): bare ids never carry a delivery type. */
const isCloudinaryTyped = (f: FoundReference): boolean => f.parsed.kind === 'asset' && f.parsed.candidates.some((c) => c.type !== undefined);

/** Another store's reference says where it lives when the grammar took a URL or a site path for certain. */
const LOCATED_RE = /^\s*(?:[a-z][a-z0-9+.-]*:|\/)/i;
const isStoreTyped = (f: FoundReference): boolean => f.parsed.kind === 'asset' && !f.parsed.protectOnly && LOCATED_RE.test(f.raw);

const isTyped = (f: FoundReference, r: Reading): boolean => (r.grammar ? isStoreTyped(f) : isCloudinaryTyped(f));

function namesSampledAsset(f: FoundReference, assets: AssetSample, r: Reading): boolean {
  if (f.parsed.kind !== 'asset') return false;
  // another store's keep-when-unsure readings (prose read whole, a path's trailing parts) name nothing for certain
  if (r.grammar && f.parsed.protectOnly) return false;
  return f.parsed.candidates.some((c) => {
    if (assets.ids.has(c.publicId)) return true;
    // a folder match needs a folder in the value itself: under a bucket prefix every bare word's key lies in the prefix
    if (r.grammar && !f.raw.includes('/')) return false;
    const slash = c.publicId.lastIndexOf('/');
    return slash > 0 && assets.folders.has(c.publicId.slice(0, slash));
  });
}

/** The public_ids a value names when read in `mode` (every candidate of every reference). */
export function idsRead(value: unknown, ctx: Reading, mode: ExtractMode): Set<string> {
  const ids = new Set<string>();
  for (const v of valuesOf(value, mode)) {
    for (const f of referencesOf(v.value, ctx, v.mode ?? mode)) {
      if (f.parsed.kind === 'asset') for (const c of f.parsed.candidates) ids.add(c.publicId);
    }
    if (v.document !== undefined) for (const c of leavesOf(v.document, ctx)) ids.add(c.publicId);
  }
  return ids;
}

interface ValueReading {
  typed: FoundReference[];
  matched: FoundReference[];
  foreign: number;
  text: boolean;
  /** Whether a plain `text` scan finds every reference counted here. */
  textSuffices: boolean;
}

function readValue(value: unknown, ctx: ClassifyContext, clouds: Map<string, number>): ValueReading {
  const reading: ValueReading = { typed: [], matched: [], foreign: 0, text: false, textSuffices: true };
  for (const v of valuesOf(value)) {
    const found = referencesOf(v.value, ctx, v.mode ?? 'auto');
    const scanned = v.mode === 'text' ? found : referencesOf(v.value, ctx, 'text');
    const scannedIds = new Set(scanned.flatMap((f) => (f.parsed.kind === 'asset' ? f.parsed.candidates.map((c) => c.publicId) : [])));
    for (let f of found) {
      const cloud = !ctx.grammar && CLOUDINARY_HOST_RE.test(f.raw) ? cloudOfUrl(f.raw) : undefined;
      if (cloud) clouds.set(cloud, (clouds.get(cloud) ?? 0) + 1);
      if (f.parsed.kind === 'foreign' && ctx.anyCloud && cloud) f = { raw: f.raw, parsed: parseReference(f.raw, { ...ctx.parse, cloudName: cloud }) };
      if (isTyped(f, ctx)) reading.typed.push(f);
      else if (namesSampledAsset(f, ctx.assets, ctx)) reading.matched.push(f);
      else {
        if (f.parsed.kind === 'foreign' && (ctx.grammar ? f.parsed.noAsset : CLOUDINARY_HOST_RE.test(f.raw))) reading.foreign++;
        continue;
      }
      if (v.mode === 'text' || found.length > 1 || f.raw.trim() !== v.value.trim()) reading.text = true;
      if (f.parsed.kind === 'asset' && f.parsed.candidates.some((c) => !scannedIds.has(c.publicId))) reading.textSuffices = false;
    }
    if (v.document !== undefined) {
      // bare ids inside a JSON document (detect protects them the same way)
      const leaves: FoundReference = { raw: v.value, parsed: { kind: 'asset', candidates: leavesOf(v.document, ctx) } };
      if (namesSampledAsset(leaves, ctx.assets, ctx)) {
        reading.matched.push(leaves);
        reading.text = true;
      }
    }
  }
  return reading;
}

export function classifyColumn(sample: ColumnSample, ctx: ClassifyContext): ColumnFinding {
  const finding: ColumnFinding = {
    sample,
    sampled: sample.values.length,
    urlValues: 0,
    idValues: 0,
    foreignValues: 0,
    textValues: 0,
    references: 0,
    clouds: new Map(),
    holdsReferences: false,
    referenced: [],
  };
  let textSuffices = true;
  for (const { value, text } of sample.values) {
    const r = readValue(value, ctx, finding.clouds);
    const refs = [...r.typed, ...r.matched];
    if (refs.length === 0) {
      if (r.foreign > 0) finding.foreignValues++;
      continue;
    }
    if (r.typed.length > 0) finding.urlValues++;
    else finding.idValues++;
    if (r.text) finding.textValues++;
    if (!r.textSuffices) textSuffices = false;
    finding.references += refs.length;
    const ids = new Set<string>();
    for (const f of refs) if (f.parsed.kind === 'asset') for (const c of f.parsed.candidates) ids.add(c.publicId);
    finding.referenced.push({ text, value, ids });
  }
  finding.holdsReferences = finding.urlValues + finding.idValues > 0;
  if (finding.holdsReferences) {
    // rich text is scanned so that prose is not read as a bare id (a false "missing"); any bare id
    // in the sample keeps the default, auto (json documents are scanned whatever the mode, and
    // arrays are read element by element)
    if (sample.column.kind !== 'json' && finding.idValues === 0 && finding.textValues > 0 && textSuffices) finding.extract = 'text';
  }
  return finding;
}
