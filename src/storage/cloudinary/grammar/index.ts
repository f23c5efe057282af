/** Cloudinary's reference grammar behind the backend's ReferenceGrammar: delivery URLs, public_ids, layers. */
import type { ReferenceGrammar } from '../../backend.js';
import { referencesIn } from './extract.js';
import { fallbackCandidates, jsonLeafCandidates } from './fallback.js';
import type { ParseContext } from './context.js';
import { RESOURCE_TYPES, type ResourceType } from '../partitions.js';

export function cloudinaryGrammar(base: Pick<ParseContext, 'cloudName' | 'hosts'>): ReferenceGrammar {
  const plain: ParseContext = { cloudName: base.cloudName, hosts: base.hosts };
  // one context per hint, made once: a context per row would cost an object per reference
  const hinted = new Map<string, ParseContext>(RESOURCE_TYPES.map((t) => [t, { ...plain, resourceTypeHint: t }]));
  const context = (hint?: string): ParseContext => (hint === undefined ? plain : (hinted.get(hint) ?? plain));
  return {
    referencesIn: (value, mode, hint) => referencesIn(value, context(hint), mode),
    fallback: (raw, refused, hint) => fallbackCandidates(raw, refused, context(hint)),
    jsonLeaves: (document, hint) => jsonLeafCandidates(document, context(hint)),
    hintOf: (value) => (RESOURCE_TYPES.includes(value as ResourceType) ? (value as string) : undefined),
  };
}
