/** ImageKit's reference grammar behind the backend's ReferenceGrammar: file paths and delivery URLs. */
import type { AssetKey } from '../../../references/types.js';
import { jsonStringLeaves } from '../../../references/json-leaves.js';
import type { ReferenceGrammar } from '../../backend.js';
import { referencesIn } from './extract.js';
import { keyOfPath, normalisePath, parseReference, protectOnly, type ImageKitContext } from './parse.js';

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** JSON leaves longer than this are prose, not paths; documents past MAX_LEAVES are not walked further. */
const MAX_LEAF = 512;
const MAX_LEAVES = 10_000;

export function imageKitGrammar(ctx: ImageKitContext): ReferenceGrammar {
  const context: ImageKitContext = { urlEndpointId: ctx.urlEndpointId, hosts: ctx.hosts };
  return {
    referencesIn: (value, mode) => referencesIn(value, context, mode),
    fallback: (raw, refused) => protectOnly(raw, refused),
    jsonLeaves: (document) => {
      const out: AssetKey[] = [];
      for (const s of jsonStringLeaves(document, MAX_LEAF, MAX_LEAVES)) {
        if (/\s/.test(s) || !/[./]/.test(s)) continue;
        const parsed = parseReference(s, context);
        if (parsed.kind === 'asset') out.push(...parsed.candidates);
        else if (parsed.kind === 'invalid') {
          const n = normalisePath(s);
          if ('path' in n) out.push({ publicId: keyOfPath(n.path) });
        }
      }
      return out;
    },
    // ImageKit has one partition: no column narrows a bare path
    hintOf: () => undefined,
    sampleHints: ['ik\\.imagekit\\.io', ...(ctx.hosts ?? []).map(escapeRe)],
  };
}

export type { ImageKitContext };
