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
