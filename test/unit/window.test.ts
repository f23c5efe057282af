import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { silentLogger } from '../../src/log.js';
import { listChains, newChain, splitWindows } from '../../src/scan/list.js';
import { CloudinaryStorage } from '../../src/storage/cloudinary/client.js';
import { RateLimitGuard } from '../../src/storage/cloudinary/guard.js';

describe('splitWindows', () => {
  it('covers every whole second exactly once, boundaries belonging to the later window', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2e12 }), fc.integer({ min: 1, max: 1e10 }), fc.integer({ min: 1, max: 16 }), fc.boolean(), fc.integer({ min: -1e9, max: 1e10 }), (from, span, count, openBelow, offset) => {
        const windows = splitWindows(from, from + span, count, openBelow);
        const t = Math.floor((from + offset) / 1000) * 1000;
        const holders = windows.filter((w) => (w.from === undefined || t >= w.from) && (w.to === undefined || t < w.to));
        const expected = openBelow || t >= from ? 1 : 0;
        expect(holders).toHaveLength(expected);
        for (let i = 1; i < windows.length; i++) expect(windows[i]!.from).toBe(windows[i - 1]!.to);
        expect(windows.at(-1)!.to).toBeUndefined();
      }),
    );
  });
});

describe('time-window listing through the Search API', () => {
  let emu: CloudinaryEmulator;
  let storage: CloudinaryStorage;
  const b1 = Date.parse('2024-03-01T00:00:00Z');
  const b2 = Date.parse('2024-06-01T00:00:00Z');
  const expected = new Set<string>();

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'window-cloud' });
    const add = (id: string, ms: number, type: 'upload' | 'private' = 'upload') => {
      emu.addAsset({ public_id: id, created_at: new Date(ms).toISOString(), type });
      expected.add(`${type}/${id}`);
    };
    // more than a page exactly on each boundary (cursors must walk ties), and their neighbours
    for (let i = 0; i < 620; i++) add(`on-b1/${i}`, b1);
    for (let i = 0; i < 530; i++) add(`on-b2/${i}`, b2, i % 2 ? 'upload' : 'private');
    for (let i = 0; i < 40; i++) {
      add(`before-b1/${i}`, b1 - 1000);
      add(`after-b1/${i}`, b1 + 1000);
      add(`before-b2/${i}`, b2 - 1000);
      add(`after-b2/${i}`, b2 + 1000);
      add(`old/${i}`, b1 - 86_400_000 * (i + 1));
      add(`new/${i}`, b2 + 86_400_000 * (i + 1));
    }
    process.env.CLOUDINARY_URL = emu.cloudinaryUrl;
    storage = await CloudinaryStorage.create({ credentials: parseCloudinaryUrl(emu.cloudinaryUrl), guard: new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95 }) });
  });

  afterAll(async () => {
    storage?.close();
    await emu?.stop();
  });

  it('neither drops nor double-counts assets exactly on window boundaries', async () => {
    const target = { resourceType: 'image' as const };
    const chains = [newChain(target, { to: b1 }, 0), newChain(target, { from: b1, to: b2 }, 1), newChain(target, { from: b2 }, 2)];
    const seen: string[] = [];
    const outcome = await listChains(storage, chains, { log: silentLogger }, (a) => seen.push(`${a.type}/${a.publicId}`));
    expect(outcome.stop).toBeUndefined();
    expect(chains.every((c) => c.complete)).toBe(true);
    expect(seen.length).toBe(expected.size);
    expect(new Set(seen)).toEqual(expected);
    // the boundary assets sit in the later window only
    expect(chains[1]!.listed).toBe(620 + 40 + 40); // on-b1, after-b1, before-b2
    expect(chains[2]!.listed).toBe(530 + 40 + 40); // on-b2, after-b2, new
    expect(chains[0]!.listed).toBe(40 + 40); // before-b1, old
    // and windows never prove absence (the search index may lag): nothing is marked fully listed
    expect(outcome.fullyListed).toEqual([]);
  });
});
