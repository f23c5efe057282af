/**
 * The string leaves of a JSON document that a grammar reads as bare keys: trimmed, non-empty and
 * short (a long leaf is prose). A huge document is walked no further than `maxLeaves` strings, so
 * one row cannot stall a scan. Each store's grammar decides what a leaf names.
 */
export function jsonStringLeaves(document: unknown, maxLength: number, maxLeaves = 10_000): string[] {
  const out: string[] = [];
  let seen = 0;
  const walk = (v: unknown): void => {
    if (seen >= maxLeaves) return;
    if (typeof v === 'string') {
      seen++;
      const s = v.trim();
      if (s !== '' && s.length <= maxLength) out.push(s);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(document);
  return out;
}
