import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { twinOf } from '../../src/delete/candidates.js';
import { derivedTarget, solidPng } from '../../src/emulator/thumbnail.js';

describe('emulator thumbnails', () => {
  it('finds the asset behind transformation and signature segments, and leaves plain paths alone', () => {
    expect(derivedTarget(['image', 'upload', 'c_fill,w_160,h_160,f_auto,q_auto', 'v1', 'a', 'b.jpg'])).toEqual(['image', 'upload', 'v1', 'a', 'b.jpg']);
    expect(derivedTarget(['image', 'private', 's--abcdEFG1--', 'c_fill,w_160', 'v1', 'x.jpg'])).toEqual(['image', 'private', 'v1', 'x.jpg']);
    expect(derivedTarget(['image', 'upload', 'v1', 'folder', 'x.jpg'])).toBeUndefined();
    // a public_id that is one segment which merely looks like a transformation is still the asset
    expect(derivedTarget(['image', 'upload', 'w_160'])).toBeUndefined();
  });

  it('builds a valid PNG of the asked size', () => {
    const png = solidPng([10, 20, 30], 4, 3);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([4, 3]);
    const idatLength = png.readUInt32BE(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe(3 * (1 + 4 * 3));
    expect([...raw.subarray(1, 4)]).toEqual([10, 20, 30]);
  });
});

describe('twinOf', () => {
  it('is NAME.json beside NAME.csv, and for review-page exports the original name', () => {
    expect(twinOf('/r/asset_detection_2026-01-01_000000.csv')).toBe('/r/asset_detection_2026-01-01_000000.json');
    expect(twinOf('/r/asset_detection_2026-01-01_000000.confirmed.csv')).toBe('/r/asset_detection_2026-01-01_000000.json');
    expect(twinOf('/r/asset_detection_2026-01-01_000000.confirmed (1).csv')).toBe('/r/asset_detection_2026-01-01_000000.json');
    expect(twinOf('/r/x.confirmed-2.csv')).toBe('/r/x.json');
    expect(twinOf('/r/my.confirmed.list.csv')).toBe('/r/my.confirmed.list.json');
  });
});
