/** --verify head: which URL answers for an id, and which answers settle anything. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { CloudinaryStorage } from '../../src/storage/cloudinary/client.js';
import { RateLimitGuard } from '../../src/storage/cloudinary/guard.js';
import { HeadProbe } from '../../src/storage/cloudinary/head.js';

const guard = () => new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95 });

describe('existenceUrl', () => {
  it('public ids: SDK delivery URLs, no extension for images, raw ids as they are; the rest: signed download URLs', async () => {
    process.env.CLOUDINARY_URL ??= 'cloudinary://111:head-unit-secret@demo';
    const storage = await CloudinaryStorage.create({ credentials: parseCloudinaryUrl('cloudinary://111:head-unit-secret@demo'), guard: guard() });
    try {
      const image = storage.existenceUrl({ resourceType: 'image', type: 'upload' }, 'folder/cat');
      expect(image).toMatch(/^https:\/\/res\.cloudinary\.com\/demo\/image\/upload\/v\d+\/folder\/cat$/);
      expect(storage.existenceUrl({ resourceType: 'video', type: 'upload' }, 'clip')).toMatch(/^https:\/\/res\.cloudinary\.com\/demo\/video\/upload\/v\d+\/clip$/);
      expect(storage.existenceUrl({ resourceType: 'raw', type: 'upload' }, 'docs/a b.pdf')).toMatch(/\/raw\/upload\/v\d+\/docs\/a%20b\.pdf$/);
      // a dot in an image id would be read as a format; a leading v123/ as a version; '%' would be decoded
      for (const id of ['my.photo', 'v2/photo', '100%_done']) {
        const url = new URL(storage.existenceUrl({ resourceType: 'image', type: 'upload' }, id));
        expect(url.pathname).toBe('/v1_1/demo/image/download');
        expect(url.searchParams.get('public_id')).toBe(id);
      }
      const priv = new URL(storage.existenceUrl({ resourceType: 'image', type: 'private' }, 'secret/doc'));
      expect(priv.pathname).toBe('/v1_1/demo/image/download');
      expect(priv.searchParams.get('type')).toBe('private');
      expect(priv.searchParams.get('signature')).toMatch(/^[0-9a-f]{40}$/);
      expect(priv.searchParams.get('expires_at')).toMatch(/^\d+$/);
    } finally {
      storage.close();
    }
  });

  it('follows CLOUDINARY_URL: cname with secure=false, or a private CDN', async () => {
    const storage = await CloudinaryStorage.create({ credentials: parseCloudinaryUrl('cloudinary://111:head-unit-secret@demo?cname=cdn.example.org&secure=false'), guard: guard() });
    try {
      expect(storage.existenceUrl({ resourceType: 'image', type: 'upload' }, 'a')).toMatch(/^http:\/\/cdn\.example\.org\/demo\/image\/upload\/v\d+\/a$/);
    } finally {
      storage.close();
    }
  });
});

describe('HeadProbe', () => {
  let server: http.Server;
  let base: string;
  const hits = new Map<string, number>();
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const p = req.url ?? '/';
      hits.set(p, (hits.get(p) ?? 0) + 1);
      const reply = (status: number, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'Content-Length': '0', ...headers });
        res.end();
      };
      if (p === '/ok') return reply(200);
      if (p === '/gone') return reply(404);
      if (p === '/forbidden') return reply(403);
      if (p === '/flaky') return reply(503);
      if (p === '/moved') return reply(302, { Location: '/ok' });
      if (p === '/moved-gone') return reply(302, { Location: '/gone' });
      if (p === '/loop') return reply(302, { Location: '/loop' });
      if (p === '/recovers') return reply((hits.get(p) ?? 0) > 1 ? 200 : 502);
      return reply(500);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('200 exists, 404 absent; anything else, or a 404 after a redirect, settles nothing', async () => {
    const probe = new HeadProbe({ deadlineMs: 5_000 });
    try {
      expect(await probe.check(`${base}/ok`, 'ok')).toEqual({ status: 'exists' });
      expect(await probe.check(`${base}/gone`, 'gone')).toEqual({ status: 'absent' });
      expect(await probe.check(`${base}/moved`, 'moved')).toEqual({ status: 'exists' });
      expect((await probe.check(`${base}/moved-gone`, 'moved-gone')).status).toBe('unknown');
      expect((await probe.check(`${base}/loop`, 'loop')).status).toBe('unknown');
      expect((await probe.check(`${base}/forbidden`, 'forbidden')).status).toBe('unknown');
      expect(hits.get('/forbidden')).toBe(1); // a 4xx is an answer, not retried
      expect(await probe.check(`${base}/flaky`, 'flaky')).toMatchObject({ status: 'unknown', reason: expect.stringContaining('503') });
      expect(hits.get('/flaky')).toBe(3); // retried, then given up
      expect(await probe.check(`${base}/recovers`, 'recovers')).toEqual({ status: 'exists' });
      expect(await probe.check('http://127.0.0.1:1/nothing-listens', 'refused')).toMatchObject({ status: 'unknown' });
    } finally {
      probe.close();
    }
  });
});
