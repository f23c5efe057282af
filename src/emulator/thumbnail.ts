/**
 * Derived images on the emulator's delivery routes (`…/image/upload/c_fill,w_160/v1/id.jpg`,
 * signed `s--…--` paths, video posters): a small real PNG in a colour taken from the asset, so a
 * browser shows thumbnails without any binary fixture. Signatures are not checked here.
 */
import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/**
 * A transformation segment: components of Cloudinary's common parameters (`c_fill`, `w_160`,
 * `f_auto`…), comma-separated. Only tried when the whole path names no asset.
 */
const PARAM = '(?:c|w|h|f|q|g|e|b|a|x|y|z|r|o|t|l|dpr|ar|fl|so|eo|du|vc|ac|pg)_[^/,]+';
const TRANSFORMATION = new RegExp(`^${PARAM}(?:,${PARAM})*$`);
const SIGNATURE = /^s--[A-Za-z0-9_-]{8,32}--$/;

/** Segments after the cloud name without the signature and transformation parts, or undefined when there are none. */
export function derivedTarget(segs: string[]): string[] | undefined {
  const [rt, type, ...rest] = segs;
  if (!rt || !type) return undefined;
  let skipped = 0;
  while (rest.length > skipped + 1 && (SIGNATURE.test(rest[skipped]!) || TRANSFORMATION.test(rest[skipped]!))) skipped++;
  return skipped ? [rt, type, ...rest.slice(skipped)] : undefined;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A solid-colour RGB PNG of the given size. */
export function solidPng(rgb: [number, number, number], width = 160, height = 160): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, no interlace
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The thumbnail of an asset: its colour comes from its asset_id, so tiles differ visibly. */
export function thumbnailPng(assetId: string): Buffer {
  const h = createHash('sha256').update(assetId).digest();
  return solidPng([64 + (h[0]! % 160), 64 + (h[1]! % 160), 64 + (h[2]! % 160)]);
}
