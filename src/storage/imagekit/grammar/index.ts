/** ImageKit's reference grammar behind the backend's ReferenceGrammar: file paths and delivery URLs. */
import type { AssetKey } from '../../../references/types.js';
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
      let seen = 0;
      const walk = (v: unknown): void => {
        if (seen >= MAX_LEAVES) return;
        if (typeof v === 'string') {
          seen++;
          const s = v.trim();
          if (s === '' || s.length > MAX_LEAF || /\s/.test(s) || !/[./]/.test(s)) return;
          const parsed = parseReference(s, context);
          if (parsed.kind === 'asset') out.push(...parsed.candidates);
          else if (parsed.kind === 'invalid') {
            const n = normalisePath(s);
            if ('path' in n) out.push({ publicId: keyOfPath(n.path) });
          }
        } else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      walk(document);
      return out;
    },
    // ImageKit has one partition: no column narrows a bare path
    hintOf: () => undefined,
    sampleHints: ['ik\\.imagekit\\.io', ...(ctx.hosts ?? []).map(escapeRe)],
  };
}

export type { ImageKitContext };
