/**
 * File extensions Cloudinary treats as a *delivery format* for image and video assets.
 *
 * In an image/video delivery URL the last `.ext` is the requested format, not part of the
 * public id (`sample.jpg` → id `sample`). Raw assets keep their extension as part of the id.
 * A dot followed by something not in this list may be part of the id itself
 * (`archive.2023`), so the parser then keeps both readings.
 *
 * Lower-case; compare with `isKnownFormat`, which is case-insensitive.
 */
const IMAGE_FORMATS = [
  '3ds', 'ai', 'arw', 'avif', 'bmp', 'bw', 'cr2', 'cr3', 'dae', 'djvu', 'dng', 'eps', 'eps3', 'ept', 'fbx',
  'flif', 'gif', 'glb', 'gltf', 'hdp', 'heic', 'heif', 'ico', 'indd', 'jfif', 'jp2', 'jpe', 'jpeg', 'jpg',
  'jxl', 'jxr', 'nef', 'obj', 'orf', 'pdf', 'ply', 'png', 'ps', 'psd', 'raf', 'rw2', 'svg', 'tga', 'tif',
  'tiff', 'u3ma', 'usdz', 'wdp', 'webp',
] as const;

const VIDEO_FORMATS = [
  '3g2', '3gp', 'avi', 'flv', 'm2ts', 'm3u8', 'm4v', 'mkv', 'mov', 'mp4', 'mpd', 'mpeg', 'mpg', 'mts', 'mxf',
  'ogv', 'ts', 'webm', 'wmv',
  // audio is delivered as video resource type
  'aac', 'aiff', 'amr', 'flac', 'm4a', 'mp3', 'oga', 'ogg', 'opus', 'wav',
] as const;

const KNOWN = new Set<string>([...IMAGE_FORMATS, ...VIDEO_FORMATS]);

export const KNOWN_FORMATS: ReadonlySet<string> = KNOWN;

/** True when `ext` (without the dot) is an image/video/audio delivery format. Case-insensitive. */
export function isKnownFormat(ext: string): boolean {
  if (KNOWN.has(ext)) return true;
  const lower = ext.toLowerCase();
  return lower !== ext && KNOWN.has(lower);
}

const EXT_LIKE = /^[A-Za-z0-9]{1,10}$/;
const LOWER = /^[a-z0-9]+$/;

/**
 * The public_ids an image or video path can stand for. A known format is the delivery format and
 * is stripped (an upper-case one may also be part of the id, so that reading stays); an unknown
 * extension-like suffix may be either, so both readings stay; anything else is the id as written.
 */
export function mediaIdReadings(id: string): string[] {
  const slash = id.lastIndexOf('/');
  const dot = id.lastIndexOf('.');
  if (dot > slash + 1 && dot < id.length - 1) {
    const ext = id.slice(dot + 1);
    if (isKnownFormat(ext)) return LOWER.test(ext) ? [id.slice(0, dot)] : [id.slice(0, dot), id];
    if (EXT_LIKE.test(ext)) return [id, id.slice(0, dot)];
  }
  return [id];
}
