/**
 * The storage contract every backend passes (like unstorage's testDriver, rclone's fstests): a
 * backend under test plus a way to put files into its store behind its back. Cases skip by
 * capability (presence of an optional member), never by backend name.
 */
import { describe, expect, it } from 'vitest';
import type { StorageBackend } from '../../src/storage/backend.js';
import type { Partition, StoredAsset } from '../../src/storage/types.js';
import { listChains, newChain } from '../../src/scan/list.js';
import { silentLogger } from '../../src/log.js';
import { PartitionMasks } from '../../src/audit/partitions.js';
import { reportVocabulary } from '../../src/storage/vocabulary.js';

export interface StorageWorld {
  backend: StorageBackend;
  /** Stores a file behind the backend's back; returns its stable id. */
  put(partition: Partition, key: string, bytes?: number): Promise<string> | string;
  /** Replaces the file under a key with a new one (a new stable id); returns it. */
  replace(partition: Partition, key: string): Promise<string> | string;
  /** Empties the store. */
  clear(): Promise<void> | void;
}

export interface StorageContractOptions {
  /** Each case's world; the contract calls clear() before each case. */
  world: () => StorageWorld;
}

const listAll = async (backend: StorageBackend, partition: Partition, maxResults = backend.limits.pageSize) => {
  const pages: StoredAsset[][] = [];
  let cursor: string | undefined;
  do {
    const page = await backend.listPage({ partition, cursor, maxResults });
    pages.push(page.assets);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
};

export function describeStorageBackend(name: string, options: StorageContractOptions): void {
  const fresh = async () => {
    const w = options.world();
    await w.clear();
    return w;
  };

  describe(`storage contract: ${name}`, () => {
    it('declares its partitions (distinct) and limits (positive whole numbers)', async () => {
      const { backend } = await fresh();
      expect(backend.name).toMatch(/^[a-z0-9-]+$/);
      expect(backend.account).not.toBe('');
      expect(backend.partitions.length).toBeGreaterThan(0);
      const keys = backend.partitions.map((p) => `${p.resourceType}/${p.type}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const n of [backend.limits.pageSize, backend.limits.lookupBatch, backend.limits.deleteBatch]) {
        expect(Number.isInteger(n) && n > 0).toBe(true);
      }
      expect(backend.report.orphanTitle).toMatch(/^ORPHANED /);
      // reports are rendered and read back by the backend's name: its words must be registered under it
      expect(reportVocabulary(backend.name)).toBe(backend.report);
      const headers = backend.report.orphanColumns.map((c) => c.header);
      expect(headers).toContain(backend.report.keyColumn);
      expect(headers).toContain(backend.report.urlColumn);
      // the audit's masks come from these: at most 9, each allowed by scope flags (one partition: none needed)
      expect(() => new PartitionMasks(backend.partitions)).not.toThrow();
    });

    it('lists every file of a partition exactly once, in pages no larger than the page size', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      const n = w.backend.limits.pageSize + 7;
      for (let i = 0; i < n; i++) await w.put(p, `list/f${i}`);
      // asking for more than the limit gets no more than the limit
      const pages = await listAll(w.backend, p, w.backend.limits.pageSize * 2);
      expect(pages.length).toBeGreaterThan(1);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(w.backend.limits.pageSize);
      const ids = pages.flat().map((a) => a.publicId);
      expect(ids).toHaveLength(n);
      expect(new Set(ids).size).toBe(n);
      // another partition holds none of them
      const other = w.backend.partitions[1];
      if (other) expect((await listAll(w.backend, other)).flat()).toEqual([]);
    });

    it('looks up the subset that exists, and refuses more ids than its lookup batch', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      await w.put(p, 'look/here');
      const found = await w.backend.lookup(p, ['look/here', 'look/absent']);
      expect(found.map((a) => a.publicId)).toEqual(['look/here']);
      expect(found[0]!.assetId).toBeTruthy();
      const tooMany = Array.from({ length: w.backend.limits.lookupBatch + 1 }, (_, i) => `look/x${i}`);
      await expect(w.backend.lookup(p, tooMany)).rejects.toThrow();
    });

    it('deletes by stable id: the file is gone, a second delete is not "deleted", and it refuses more than its delete batch', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      const id = await w.put(p, 'del/one');
      expect(await w.backend.delete([id])).toEqual([{ assetId: id, outcome: 'deleted' }]);
      expect(await w.backend.lookup(p, ['del/one'])).toEqual([]);
      const again = await w.backend.delete([id]);
      expect(again[0]!.outcome).not.toBe('deleted');
      const tooMany = Array.from({ length: w.backend.limits.deleteBatch + 1 }, (_, i) => `no-such-${i}`);
      await expect(w.backend.delete(tooMany)).rejects.toThrow();
    });

    it('delete by stable id leaves a file that replaced it under the same key alone', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      const old = await w.put(p, 'del/replaced');
      const now = await w.replace(p, 'del/replaced');
      expect(now).not.toBe(old);
      const outcome = await w.backend.delete([old]);
      expect(outcome[0]!.outcome).not.toBe('deleted');
      const still = await w.backend.lookup(p, ['del/replaced']);
      expect(still.map((a) => a.assetId)).toEqual([now]);
    });

    it('serves the original bytes for a backup', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      await w.put(p, 'down/file', 4321);
      const [asset] = await w.backend.lookup(p, ['down/file']);
      const response = await fetch(w.backend.downloadUrl(asset!));
      expect(response.ok).toBe(true);
      expect((await response.arrayBuffer()).byteLength).toBe(asset!.bytes);
      expect(asset!.bytes).toBe(4321);
    });

    it('absence is proven only by a complete listing: a listing stopped early proves nothing', async () => {
      const w = await fresh();
      const [p] = w.backend.partitions as [Partition];
      const n = w.backend.limits.pageSize + 3;
      for (let i = 0; i < n; i++) await w.put(p, `abs/f${i}`);
      const stopper = new AbortController();
      const chain = newChain(p);
      const stopped = await listChains(w.backend, [chain], { signal: stopper.signal, log: silentLogger }, () => stopper.abort('test'));
      expect(chain.complete).toBe(false);
      expect(stopped.stop?.kind).toBe('interrupted');
      expect(stopped.fullyListed).toEqual([]);
      const whole = newChain(p);
      const complete = await listChains(w.backend, [whole], { log: silentLogger }, () => undefined);
      expect(whole.complete).toBe(true);
      expect(whole.listed).toBe(n);
      expect(complete.fullyListed).toContainEqual({ partition: p, prefix: '' });
    });
  });
}
