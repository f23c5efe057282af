/**
 * The bench's object keys, deterministic so the worker and the main thread agree: `deep` is a
 * django-storages bucket (media/<app>/<yyyy>/<mm>/<name>.jpg: folders the listing splits into
 * parallel lanes), `flat` an Active Storage bucket (random keys at the root: split into key ranges).
 */
import { createHash } from 'node:crypto';

export type S3Layout = 'deep' | 'flat';

const APPS = ['avatars', 'posts', 'products', 'documents', 'banners', 'gallery', 'uploads', 'thumbnails'];

export function* s3BenchKeys(n: number, layout: S3Layout): Generator<string> {
  for (let i = 0; i < n; i++) {
    const h = createHash('sha1').update(String(i)).digest('hex');
    if (layout === 'flat') yield h.slice(0, 28);
    else yield `media/${APPS[i % APPS.length]}/${2020 + (i % 5)}/${String(1 + (i % 12)).padStart(2, '0')}/${h.slice(0, 16)}.jpg`;
  }
}
