/** The S3 reference grammar behind the backend's ReferenceGrammar: URIs, URLs, CDN hosts, bare keys. */
import type { ReferenceGrammar } from '../../backend.js';
import type { AssetKey } from '../../../references/types.js';
import { jsonStringLeaves } from '../../../references/json-leaves.js';
import { s3GrammarContext, type S3GrammarContext } from './context.js';
import { pathKeys, referencesIn } from './extract.js';
import { parseS3Reference } from './parse.js';

export { s3GrammarContext, normalisePrefix, type S3GrammarContext } from './context.js';
export { parseS3Reference } from './parse.js';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** JSON leaves longer than this are prose, not keys. */
const MAX_LEAF = 1024;
const MAX_LEAVES = 10_000;

export function s3Grammar(input: Parameters<typeof s3GrammarContext>[0]): ReferenceGrammar {
  const ctx = s3GrammarContext(input);
  return {
    referencesIn: (value, mode) => referencesIn(value, ctx, mode),
    fallback: (raw, refused) => fallbackKeys(raw, refused, ctx),
    jsonLeaves: (document) => jsonLeafKeys(document, ctx),
    // one partition: a type column narrows nothing
    hintOf: () => undefined,
    sampleHints: ['s3://', 'amazonaws\\.com', escapeRe(input.bucket)],
  };
}

/**
 * What a refused value may still name, protected and never required: the path of a URL on a host
 * nobody listed in storage.hosts (a CDN, a proxy) read as a key, and a value too odd to parse read
 * as a key. Never for what certainly names nothing here (another bucket, another scheme).
 */
function fallbackKeys(raw: string, refused: { kind: 'foreign' | 'invalid'; noAsset?: true }, ctx: S3GrammarContext): AssetKey[] {
  const value = raw.trim();
  if (value === '' || (refused.kind === 'foreign' && refused.noAsset)) return [];
  if (/^(?:https?:)?\/\//i.test(value)) return pathKeys(value.startsWith('//') ? `https:${value}` : value, ctx);
  const parsed = parseS3Reference(value, ctx);
  return parsed.kind === 'asset' ? parsed.candidates : [];
}

function jsonLeafKeys(doc: unknown, ctx: S3GrammarContext): AssetKey[] {
  const out: AssetKey[] = [];
  // a leaf with spaces may be a key (`docs/Annual Report.pdf`): protecting prose costs nothing
  for (const s of jsonStringLeaves(doc, MAX_LEAF, MAX_LEAVES)) {
    const parsed = parseS3Reference(s, ctx);
    if (parsed.kind === 'asset') out.push(...parsed.candidates);
  }
  return out;
}
