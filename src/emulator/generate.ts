import { isoSeconds } from './resources.js';
import type { AssetInput } from './types.js';
import { mulberry32 } from './prng.js';

export interface GenerateOptions {
  /** Seed for the deterministic generator; same seed, same assets. Default 1. */
  seed?: number;
  /** Newest created_at; assets spread backwards over `spanDays`. Default 2025-01-01T00:00:00Z. */
  end?: Date;
  spanDays?: number;
  /** Share of raw and video assets (the rest are images). Defaults 0.05 and 0.05. */
  rawShare?: number;
  videoShare?: number;
  /** public_id prefix; ids look like `${prefix}f07/asset-0000042`. Default ''. */
  prefix?: string;
}

/**
 * Deterministic synthetic assets for benchmarks and the demo: a generator, so a million assets
 * never exist twice in memory, and asset_ids derived from the index so reruns are comparable.
 */
// Number#toString(16) + padStart costs more than everything else per asset; a 64K table doesn't.
let HEX4: string[] | undefined;
const hex8 = (n: number): string => {
  HEX4 ??= Array.from({ length: 65536 }, (_, i) => i.toString(16).padStart(4, '0'));
  const v = n >>> 0;
  return (HEX4[v >>> 16] as string) + (HEX4[v & 0xffff] as string);
};

export function* generateAssets(n: number, opts: GenerateOptions = {}): Generator<AssetInput> {
  const rand = mulberry32(opts.seed ?? 1);
  const end = (opts.end ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const span = (opts.spanDays ?? 365) * 86_400_000;
  const rawShare = opts.rawShare ?? 0.05;
  const videoShare = opts.videoShare ?? 0.05;
  const prefix = opts.prefix ?? '';
  const width = String(n).length;
  for (let i = 0; i < n; i++) {
    const r = rand();
    const kind = r < rawShare ? 'raw' : r < rawShare + videoShare ? 'video' : 'image';
    const folder = `f${String(i % 100).padStart(2, '0')}`;
    const base = `${prefix}${folder}/asset-${String(i).padStart(width, '0')}`;
    // Oldest first, so the store's sort sees nearly ordered input.
    const ms = end - span + Math.floor((span * i) / Math.max(1, n));
    const asset: AssetInput = {
      public_id: kind === 'raw' ? `${base}.pdf` : base,
      resource_type: kind,
      type: 'upload',
      format: kind === 'raw' ? 'pdf' : kind === 'video' ? 'mp4' : rand() < 0.7 ? 'jpg' : 'png',
      bytes: 1000 + Math.floor(rand() * 2_000_000),
      created_at: isoSeconds(ms),
      asset_id: hex8(i) + hex8(rand() * 0xffffffff) + hex8(rand() * 0xffffffff) + hex8(rand() * 0xffffffff),
    };
    yield asset;
  }
}
