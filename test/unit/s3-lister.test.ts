/**
 * The parallel lister (src/storage/s3/lister.ts) against the emulator's ListObjectsV2 logic, in
 * process: for any set of keys, page size and resume point, every key is listed exactly once.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listObjects, decodeToken } from '../../src/emulator/s3/list.js';
import { BucketStore } from '../../src/emulator/s3/store.js';
import { PrefixLister, type ListCall } from '../../src/storage/s3/lister.js';

function callOn(store: BucketStore): ListCall {
  return async ({ prefix, delimiter, token, startAfter, maxKeys }) => {
    const marker = token !== undefined ? decodeToken(token) : startAfter;
    const r = listObjects(store, { prefix, delimiter, maxKeys }, marker);
    return {
      objects: r.contents.map((o) => ({ key: o.key, etag: o.etag, size: o.size, lastModified: o.lastModified })),
      prefixes: r.commonPrefixes,
      ...(r.nextContinuationToken ? { next: r.nextContinuationToken } : {}),
    };
  };
}

const segment = fc.stringMatching(/^[0-9a-zA-Z~é]{1,3}$/);
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

describe('S3 lister', () => {
  it('lists every key under the root exactly once, for any layout, page size and resume point', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { minLength: 0, maxLength: 120 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 0, max: 30 }), fc.constantFrom('', 'a', 'a/'), async (keys, maxKeys, resumeAt, root) => {
        const store = new BucketStore('b');
        for (const k of keys) store.put({ key: k, size: 1 });
        const expected = keys.filter((k) => k.startsWith(root)).sort();
        const seen: string[] = [];
        let lister = new PrefixLister(callOn(store));
        let cursor: string | undefined;
        let pages = 0;
        do {
          // a resumed scan: a new lister from the checkpointed cursor, nothing fetched ahead
          if (pages === resumeAt) lister = new PrefixLister(callOn(store));
          const page = await lister.page(root, cursor, maxKeys);
          expect(page.objects.length).toBeLessThanOrEqual(maxKeys);
          seen.push(...page.objects.map((o) => o.key));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10_000);
        expect(seen.sort()).toEqual(expected);
      }),
      { numRuns: 150 },
    );
  });
});
