/**
 * The parallel listing: Admin windows split while they run, under concurrency, against the
 * emulator through the official SDK. What is asserted is exactness (every asset once, windows
 * edge to edge, absence proven only by a whole cover) and the limiter's reaction to pushback,
 * never timing.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { mulberry32 } from '../../src/emulator/prng.js';
import { silentLogger } from '../../src/log.js';
import { coversAllTime, listChains, newChain, planChains, splitRunning, type Chain } from '../../src/scan/list.js';
import { CloudinaryStorage } from '../../src/storage/cloudinary/client.js';
import { RateLimitGuard } from '../../src/storage/cloudinary/guard.js';
import { AdaptiveLimiter } from '../../src/storage/limiter.js';
import type { StorageBackend } from '../../src/storage/backend.js';
import type { ListPage, ListPageRequest, StoredAsset } from '../../src/storage/types.js';
import { estimate, planLines } from '../../src/scan/plan.js';

const START = Date.parse('2024-01-01T00:00:00Z');
/** Few distinct seconds for many assets: every split boundary lands on a crowded second. */
const SECONDS = 40;

describe('Admin windows split while listing', () => {
  let emu: CloudinaryEmulator;
  const expected = new Set<string>();

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'parallel-cloud', rateLimit: 1_000_000 });
    const rand = mulberry32(7);
    const assets = [];
    for (let i = 0; i < 26_000; i++) {
      // a cluster every 6 hours, and some stragglers between them
      const second = Math.floor(rand() * SECONDS);
      const ms = START + second * 6 * 3_600_000 + (i % 7 === 0 ? Math.floor(rand() * 3600) * 1000 : 0);
      const type = i % 11 === 0 ? 'private' : 'upload';
      assets.push({ public_id: `p/${i}`, created_at: new Date(ms).toISOString(), type } as const);
      expected.add(`${type}/p/${i}`);
    }
    emu.addAssets(assets);
    emu.addAsset({ public_id: 'v/only', resource_type: 'video', created_at: new Date(START).toISOString() });
  });

  afterAll(async () => {
    await emu?.stop();
  });

  afterEach(() => {
    emu.injectFaults(null);
  });

  const open = (concurrency: number) => {
    process.env.CLOUDINARY_URL = emu.cloudinaryUrl;
    return CloudinaryStorage.create({
      credentials: parseCloudinaryUrl(emu.cloudinaryUrl),
      guard: new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95 }),
      concurrency,
      retry: { baseDelayMs: 1, maxDelayMs: 5, attempts: 8 },
    });
  };

  async function listAll(storage: CloudinaryStorage, concurrency: number) {
    const { chains } = await planChains(storage, [{ resourceType: 'image' }, { resourceType: 'video' }], { windows: 'auto', concurrency, now: new Date(), assets: 26_001 });
    const seen: string[] = [];
    const outcome = await listChains(storage, chains, { log: silentLogger, concurrency, split: true }, (a) => {
      if (a.resourceType === 'image') seen.push(`${a.type}/${a.publicId}`);
    });
    return { chains, seen, outcome };
  }

  for (const concurrency of [3, 8, 16]) {
    it(`lists every asset exactly once at concurrency ${concurrency}, windows edge to edge`, async () => {
      const storage = await open(concurrency);
      try {
        const { chains, seen, outcome } = await listAll(storage, concurrency);
        expect(outcome.stop).toBeUndefined();
        expect(seen.length).toBe(expected.size);
        expect(new Set(seen)).toEqual(expected);
        const image = chains.filter((c) => c.target.resourceType === 'image');
        // the one planned window was split as it ran, into at most `concurrency` chains at once
        expect(image.length).toBeGreaterThan(1);
        expect(image.every((c) => c.complete && c.window?.via === 'list')).toBe(true);
        expect(coversAllTime(image.map((c) => c.window!))).toBe(true);
        expect(new Set(chains.map((c) => c.key)).size).toBe(chains.length);
        expect(image.reduce((n, c) => n + c.listed, 0)).toBe(expected.size);
        // Admin windows that cover all time prove absence like a whole listing
        expect(outcome.fullyListed.map((f) => `${f.partition.resourceType}/${f.partition.type}`).sort()).toEqual(
          storage.partitions.filter((p) => p.resourceType !== 'raw').map((p) => `${p.resourceType}/${p.type}`).sort(),
        );
      } finally {
        storage.close();
      }
    });
  }

  it('stays exact when calls fail and are retried, and lowers the calls in flight', async () => {
    const storage = await open(12);
    emu.injectFaults({ errorRate: 0.25, status: 503, seed: 11, onlyPaths: /^resources\/image$/ });
    try {
      const { seen, outcome } = await listAll(storage, 12);
      expect(outcome.stop).toBeUndefined();
      expect(seen.length).toBe(expected.size);
      expect(new Set(seen)).toEqual(expected);
      expect(storage.retries).toBeGreaterThan(0);
      expect(storage.concurrency.decreases).toBeGreaterThan(0);
      expect(storage.concurrency.lowest).toBeLessThan(12);
    } finally {
      storage.close();
    }
  });

  it('the plan splits the listing only when the budget left covers it comfortably', async () => {
    const storage = await open(8);
    try {
      const targets = [{ resourceType: 'image' as const }, { resourceType: 'video' as const }];
      const base = { windows: 'auto' as const, concurrency: 8, now: new Date(), assets: 26_001 };
      const before = storage.calls;
      // 53 listing pages and a few more for windows: 60 usable calls are not comfortable
      const tight = await planChains(storage, targets, { ...base, usable: 60 });
      expect(tight.choice).toMatchObject({ split: 0, budgetTight: true });
      expect(tight.choice.reason).toMatch(/budget left \(60 usable call\(s\)\) does not comfortably cover/);
      expect(tight.chains.every((c) => !c.window)).toBe(true);
      expect(storage.calls).toBe(before); // not even a probe
      const roomy = await planChains(storage, targets, { ...base, usable: 5000 });
      expect(roomy.choice.split).toBe(1);
      expect(roomy.choice.budgetTight).toBeUndefined();
      expect(roomy.choice.reason).toMatch(/split into about \d+ upload-time window\(s\).*well within the budget left/);
      expect(roomy.chains.find((c) => c.target.resourceType === 'image')!.window).toEqual({ via: 'list' });
      expect(storage.calls - before).toBe(2); // one probe per target, in one round trip
      const lines = planLines(estimate({ assets: 26_001, chains: 2, listing: true, exhaustive: true, referencesToCheck: 0, partitionsPerReference: 9, limits: storage.limits, planCalls: 3, stopAt: 0.95, budget: { limit: 100, remaining: 100 } }));
      expect(lines.join('\n')).not.toMatch(/windows:/);
      const withChoice = { ...estimate({ assets: 26_001, chains: 2, listing: true, exhaustive: true, referencesToCheck: 0, partitionsPerReference: 9, limits: storage.limits, planCalls: 3, stopAt: 0.95 }), windows: tight.choice };
      expect(planLines(withChoice).join('\n')).toMatch(/windows: not split, the budget left/);
      // a small account is not probed and not split, whatever the budget
      const small = await planChains(storage, targets, { ...base, assets: 5000, usable: 10 ** 6 });
      expect(small.choice.split).toBe(0);
      expect(storage.calls - before).toBe(2);
    } finally {
      storage.close();
    }
  });

  it('a split listing stopped midway resumes from its checkpointed chains: every asset once in all', async () => {
    const storage = await open(8);
    try {
      const { chains } = await planChains(storage, [{ resourceType: 'image' }], { windows: 'auto', concurrency: 8, now: new Date(), assets: 26_001 });
      const seen: string[] = [];
      const controller = new AbortController();
      const first = await listChains(storage, chains, { log: silentLogger, concurrency: 8, split: true, signal: controller.signal }, (a) => {
        seen.push(`${a.type}/${a.publicId}`);
        if (seen.length === 9_000) controller.abort();
      });
      expect(first.stop).toBeDefined();
      expect(chains.length).toBeGreaterThan(1);
      expect(chains.some((c) => !c.complete)).toBe(true);
      // what a checkpoint carries is plain data
      const carried = JSON.parse(JSON.stringify(chains)) as Chain[];
      const second = await listChains(storage, carried, { log: silentLogger, concurrency: 8, split: true }, (a) => seen.push(`${a.type}/${a.publicId}`));
      expect(second.stop).toBeUndefined();
      expect(seen.length).toBe(expected.size);
      expect(new Set(seen)).toEqual(expected);
      expect(coversAllTime(carried.map((c) => c.window!))).toBe(true);
      expect(second.fullyListed.length).toBe(storage.partitions.filter((p) => p.resourceType === 'image').length);
    } finally {
      storage.close();
    }
  });

  it('a window cut short never proves absence', async () => {
    const storage = await open(4);
    try {
      const chain = newChain({ resourceType: 'image' }, { via: 'list' }, 0);
      const controller = new AbortController();
      let n = 0;
      const outcome = await listChains(storage, [chain], { log: silentLogger, concurrency: 4, split: true, signal: controller.signal }, () => {
        if (++n === 1200) controller.abort();
      });
      expect(outcome.stop).toBeDefined();
      expect(outcome.fullyListed).toEqual([]);
    } finally {
      storage.close();
    }
  });
});

describe('an Admin listing from a time that does not come oldest first', () => {
  // a store whose listing from start_at comes in public_id order, not created_at order
  const assets: StoredAsset[] = Array.from({ length: 41 }, (_, i) => ({
    publicId: `x/${String((i * 17) % 41).padStart(2, '0')}`,
    resourceType: 'image',
    type: 'upload',
    bytes: 1,
    createdAt: new Date(START + ((i * 7) % 13) * 1000).toISOString().replace('.000', ''),
  }));
  const byId = [...assets].sort((a, b) => a.publicId.localeCompare(b.publicId));
  const store = {
    name: 'stub',
    account: 'stub',
    partitions: [{ resourceType: 'image', type: 'upload' }],
    limits: { pageSize: 4, lookupBatch: 10, deleteBatch: 10, listsFrom: true },
    calls: 0,
    async listPage(req: ListPageRequest): Promise<ListPage> {
      const from = req.startAt?.getTime() ?? -Infinity;
      const rows = byId.filter((a) => Date.parse(a.createdAt) >= from);
      const at = Number(req.cursor ?? 0);
      return { assets: rows.slice(at, at + 4), nextCursor: at + 4 < rows.length ? String(at + 4) : undefined };
    },
  } as unknown as StorageBackend;

  it('lists each window to its end instead of stopping at its bound, says so, and drops nothing', async () => {
    const m = START + 6000;
    const chains = [newChain({ resourceType: 'image' }, { to: m, via: 'list' }, 0), newChain({ resourceType: 'image' }, { from: m, via: 'list' }, 1)];
    const warnings: string[] = [];
    const seen: string[] = [];
    const outcome = await listChains(store, chains, { log: { ...silentLogger, warn: (w) => warnings.push(w) }, concurrency: 2, split: true }, (a) => seen.push(a.publicId));
    expect(seen.sort()).toEqual(assets.map((a) => a.publicId).sort());
    expect(chains.every((c) => c.complete && c.window!.unordered)).toBe(true);
    expect(warnings.some((w) => /did not come oldest first/.test(w))).toBe(true);
    expect(outcome.fullyListed).toHaveLength(1);
  });
});

describe('splitRunning', () => {
  const running = (window: Chain['window'], at: number, upper?: number): Chain => ({ ...newChain({ resourceType: 'image' }, window, 0), pages: 1, listed: 500, first: at - 3_600_000, at, ...(upper ? { upper } : {}) });

  it('hands on the later part of a window, half-open, on whole seconds after the last upload listed', () => {
    let n = 0;
    const c = running({ from: START, to: START + 100_000_000, via: 'list' }, START + 1_234_567);
    const added = splitRunning(c, 4, Date.now(), () => `image/*@${++n}`);
    expect(added).toHaveLength(3);
    const all = [c, ...added].map((x) => x.window!);
    for (let i = 0; i + 1 < all.length; i++) expect(all[i]!.to).toBe(all[i + 1]!.from);
    expect(all.at(-1)!.to).toBe(START + 100_000_000);
    expect(all.slice(1).every((w) => w.from! % 1000 === 0 && w.from! > START + 1_234_567)).toBe(true);
    expect(c.window!.from).toBe(START);
  });

  it('an open-ended window stays open above in its last part, aiming at the newest upload seen', () => {
    const c = running({ via: 'list' }, START, START + 40_000_000);
    const added = splitRunning(c, 3, START + 10 ** 12, () => 'k');
    expect(added.at(-1)!.window!.to).toBeUndefined();
    expect(added[0]!.window!.from).toBeLessThan(START + 40_000_000);
    expect(coversAllTime([c, ...added].map((x) => x.window!))).toBe(true);
  });

  it('leaves search windows, complete chains and chains not yet started alone', () => {
    expect(splitRunning(running({ from: START, to: START + 10 ** 9, via: 'search' }, START + 1000), 4, Date.now(), () => 'k')).toEqual([]);
    expect(splitRunning({ ...running({ via: 'list' }, START), complete: true }, 4, Date.now(), () => 'k')).toEqual([]);
    expect(splitRunning({ ...running({ via: 'list' }, START), at: undefined }, 4, Date.now(), () => 'k')).toEqual([]);
  });
});

describe('AdaptiveLimiter', () => {
  it('halves on a throttle once per round of answers and climbs back by about one per round', () => {
    let now = 0;
    const changes: number[] = [];
    const l = new AdaptiveLimiter(16, { now: () => now, onChange: (limit) => changes.push(limit) });
    for (let i = 0; i < 5; i++) l.observe('ok', 100);
    l.observe('throttled', 100);
    l.observe('throttled', 100); // the same burst
    expect(l.limit).toBe(8);
    now += 1000;
    l.observe('failed', 100);
    expect(l.limit).toBe(4);
    for (let i = 0; i < 40; i++) l.observe('ok', 100);
    expect(l.limit).toBeGreaterThan(4);
    expect(l.limit).toBeLessThanOrEqual(16);
    expect(l.stats).toMatchObject({ max: 16, lowest: 4, decreases: 2 });
    expect(changes.slice(0, 2)).toEqual([8, 4]);
  });

  it('lowers the limit when answers slow down past the climb, and never below one', () => {
    let now = 0;
    const l = new AdaptiveLimiter(4, { now: () => now });
    l.observe('ok', 100);
    for (let i = 0; i < 30; i++) {
      now += 10_000;
      l.observe('ok', 2000);
    }
    expect(l.limit).toBe(1);
    expect(l.stats.lowest).toBe(1);
  });

  it('ignores answers that say nothing about load, and keeps at most the limit in flight', async () => {
    const l = new AdaptiveLimiter(3);
    l.observe('neutral', 5);
    expect(l.limit).toBe(3);
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        l.run(
          async () => {
            most = Math.max(most, ++inFlight);
            await new Promise((r) => setTimeout(r, 2));
            inFlight--;
          },
          () => 'neutral',
        ),
      ),
    );
    expect(most).toBe(3);
  });
});
