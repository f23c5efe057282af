/**
 * Which preview the review page shows for an orphan: a small derived image on Cloudinary's
 * delivery URL, a video poster, or a placeholder. Pure: a URL is derived from the report's own
 * delivery URL, never from credentials.
 */
import type { OrphanRow } from '../audit/result.js';

/** A 160×160 crop in the browser's best format: a few KB per tile, whatever the original weighs. */
export const THUMB_TRANSFORMATION = 'c_fill,w_160,h_160,f_auto,q_auto';
/** Video posters: a frame as JPEG (f_auto would let the CDN pick a video format for a video URL). */
export const POSTER_TRANSFORMATION = 'c_fill,w_160,h_160,q_auto';

export type ThumbKind = 'image' | 'raw' | 'private' | 'none';
export interface Thumb {
  kind: ThumbKind;
  url?: string;
}

/** Builds a signed thumbnail URL for a private/authenticated asset (opt-in; see detect --html-signed-thumbnails). */
export type ThumbSigner = (o: OrphanRow, transformation: string, format: string) => string | undefined;

export function thumbnailFor(o: OrphanRow, signer?: ThumbSigner): Thumb {
  if (o.resourceType === 'raw') return { kind: 'raw' };
  const video = o.resourceType === 'video';
  const transformation = video ? POSTER_TRANSFORMATION : THUMB_TRANSFORMATION;
  const marker = `/${o.resourceType}/${o.type}/`;
  const at = o.url.indexOf(marker);
  if (o.type !== 'upload') {
    const signed = signer?.(o, transformation, video ? 'jpg' : o.format);
    const from = signed?.indexOf(marker) ?? -1;
    if (!signed || from < 0 || at < 0 || !/^https?:\/\//i.test(o.url)) return { kind: 'private' };
    // the signed path on the report's own delivery host (a CNAME or the emulator keeps working)
    return { kind: 'image', url: o.url.slice(0, at) + signed.slice(from) };
  }
  if (at < 0 || !/^https?:\/\//i.test(o.url)) return { kind: 'none' };
  let rest = o.url.slice(at + marker.length);
  if (video) rest = (o.format && rest.endsWith(`.${o.format}`) ? rest.slice(0, -o.format.length - 1) : rest) + '.jpg';
  return { kind: 'image', url: `${o.url.slice(0, at + marker.length)}${transformation}/${rest}` };
}
