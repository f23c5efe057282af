/**
 * Readings that can only protect an asset, never make a row "missing". They catch stored forms
 * the parser rightly does not count as references of this account but that may still name one
 * of its assets: a path without a host (`/image/upload/v1/a.jpg`, an app that stores
 * `url.pathname`), a custom delivery host not listed in `cloudinary.hosts`, a value the parser
 * refuses, and bare ids sitting in JSON documents next to other data. Never for what certainly
 * names nothing here (another cloud's URL, a cached search URL). A typed path protects only its
 * own (resource type, delivery type); a bare id every asset with that public_id. Protecting too much can
 * only hide an orphan; protecting too little can delete an asset in use.
 */
import { parseReference } from './parse.js';
import type { AssetKey, ParsedReference } from '../../../references/types.js';
import { jsonStringLeaves } from '../../../references/json-leaves.js';
import type { ParseContext } from './context.js';

const DELIVERY_PATH = /(?:^|\/)((?:image|video|raw)\/(?:upload|private|authenticated)\/[^?#\s"'<>]+)/;
/** JSON leaves longer than this are prose, not ids. */
const MAX_LEAF = 512;
/** Bound the work on huge documents. */
const MAX_LEAVES = 10_000;

export function fallbackCandidates(raw: string, refused: Exclude<ParsedReference, { kind: 'asset' }>, ctx: ParseContext): AssetKey[] {
  const value = raw.trim();
  if (value === '' || (refused.kind === 'foreign' && refused.noAsset)) return [];
  if (refused.kind === 'invalid') return [{ publicId: value }];
  const path = DELIVERY_PATH.exec(value)?.[1];
  if (!path) return [];
  const parsed = parseReference(path, ctx);
  return parsed.kind === 'asset' ? parsed.candidates : [];
}

/** Bare-id readings of the short string leaves of a JSON document. */
export function jsonLeafCandidates(doc: unknown, ctx: ParseContext): AssetKey[] {
  const out: AssetKey[] = [];
  for (const s of jsonStringLeaves(doc, MAX_LEAF, MAX_LEAVES)) {
    if (s.includes('\n')) continue;
    const parsed = parseReference(s, ctx);
    if (parsed.kind === 'asset') out.push(...parsed.candidates.filter((c) => !c.type));
  }
  return out;
}
