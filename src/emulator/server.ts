import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAdmin, type AdminContext } from './admin.js';
import type { FaultInjector } from './faults.js';
import { ApiError, basicAuth, parseForm, parseMultipart, readBody, type Params } from './http-util.js';
import type { RateLimiter } from './rate-limit.js';
import { cloudinaryUrlBase, type UrlBase } from './resources.js';
import type { AssetStore } from './store.js';
import { resolveDownload } from './download.js';
import { derivedTarget, thumbnailPng } from './thumbnail.js';
import { assetBytes, handleUpload, mimeFor, resolveDelivery } from './upload.js';
import { RESOURCE_TYPES, type RequestLogEntry, type ResourceType } from './types.js';

/** Mutable state shared by the control API (index.ts) and the request pipeline. */
export interface EmulatorState {
  cloudName: string;
  apiKey: string;
  apiSecret: string;
  now: () => Date;
  store: AssetStore;
  limiter: RateLimiter;
  faults: FaultInjector;
  /** Faults on delivery and download requests (GET/HEAD), apart from the admin ones. */
  deliveryFaults: FaultInjector;
  latencyMs: number;
  logRequests: boolean;
  log: RequestLogEntry[];
  adminCalls: number;
  deliveryRequests: number;
  deliveryUrls: 'cloudinary' | 'emulator';
  port: number;
  /** Awaited before each admin call and download is handled: lets a test act at an exact moment. */
  hook?: RequestHook;
  /** Timers and stalled responses to release on stop(). */
  timers: Set<NodeJS.Timeout>;
  hung: Set<ServerResponse>;
}

/** What a request hook sees: the request as it will be handled (params parsed, not yet answered). */
export type RequestHook = (request: Pick<RequestLogEntry, 'kind' | 'method' | 'segments' | 'params'>) => void | Promise<void>;

function urlBase(s: EmulatorState): UrlBase {
  if (s.deliveryUrls === 'emulator') {
    const b = `http://127.0.0.1:${s.port}/${s.cloudName}`;
    return { http: b, https: b };
  }
  return cloudinaryUrlBase(s.cloudName);
}

function decodeSegments(raw: string[]): string[] {
  return raw.map((seg) => {
    try {
      return decodeURIComponent(seg);
    } catch {
      throw new ApiError(400, `Malformed path segment ${seg}`);
    }
  });
}

function delay(s: EmulatorState): Promise<void> {
  if (s.latencyMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.timers.delete(t);
      resolve();
    }, s.latencyMs);
    s.timers.add(t);
  });
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  const buf = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}

function jsonHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': randomBytes(8).toString('hex'), ...extra };
}

const errorJson = (message: string): string => JSON.stringify({ error: { message } });

export function createHandler(s: EmulatorState): (req: IncomingMessage, res: ServerResponse) => void {
  const adminCtx: AdminContext = {
    store: s.store,
    now: () => s.now(),
    urlBase: () => urlBase(s),
    deliveryRequests: () => s.deliveryRequests,
  };

  const record = (entry: RequestLogEntry): void => {
    if (s.logRequests) s.log.push(entry);
  };

  async function admin(req: IncomingMessage, res: ServerResponse, path: string, segs: string[], cloud: string): Promise<void> {
    s.adminCalls++;
    const method = req.method ?? 'GET';
    const entry: RequestLogEntry = { kind: 'admin', method, path, segments: segs, params: {}, status: 0 };
    const reply = (status: number, body: string, headers: Record<string, string> = jsonHeaders()): void => {
      entry.status = status;
      record(entry);
      // Every admin answer, errors included, carries the budget headers like the real API.
      send(res, status, body, { ...headers, ...s.limiter.headers() });
    };
    try {
      const body = await readBody(req);
      await delay(s);
      const query = (req.url ?? '').split('?')[1] ?? '';
      let params: Params = parseForm(query);
      if (method !== 'GET' && body.length > 0) {
        const ctype = req.headers['content-type'] ?? '';
        if (/application\/json/i.test(ctype)) {
          try {
            params = { ...params, ...(JSON.parse(body.toString('utf8')) as Params) };
          } catch {
            throw new ApiError(400, 'Invalid JSON body');
          }
        } else if (/multipart\/form-data/i.test(ctype)) {
          params = { ...params, ...parseMultipart(body, ctype).fields };
        } else {
          params = { ...params, ...parseForm(body.toString('utf8')) };
        }
      }
      entry.params = params;
      await s.hook?.({ kind: 'admin', method, segments: segs, params });

      if (cloud !== s.cloudName) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
      const auth = basicAuth(req);
      if (!auth || auth.key === '') throw new ApiError(401, 'Must supply api_key');
      if (auth.key !== s.apiKey) throw new ApiError(401, `Invalid api_key ${auth.key}`);
      if (auth.secret !== s.apiSecret) throw new ApiError(401, 'api_secret mismatch');

      if (!s.limiter.tryConsume()) throw new ApiError(s.limiter.status, s.limiter.exceededMessage());

      const fault = s.faults.decide(segs.join('/'));
      switch (fault.kind) {
        case 'respond':
          reply(fault.status, fault.body, { ...jsonHeaders(), 'Content-Type': fault.contentType });
          return;
        case 'hang':
          entry.status = -1;
          record(entry);
          s.hung.add(res);
          res.on('close', () => s.hung.delete(res));
          return;
        case 'truncate': {
          const result = handleAdmin(adminCtx, method, segs, params);
          const buf = Buffer.from(JSON.stringify(result.body), 'utf8');
          entry.status = result.status;
          record(entry);
          res.writeHead(result.status, { ...jsonHeaders(), ...s.limiter.headers(), 'Content-Length': String(buf.length) });
          // Half a body and a dropped socket: what a proxy timeout or connection reset looks like to the client.
          res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.socket?.destroy());
          return;
        }
        case 'none':
          break;
      }

      const result = handleAdmin(adminCtx, method, segs, params);
      reply(result.status, JSON.stringify(result.body));
    } catch (e) {
      if (e instanceof ApiError) reply(e.status, errorJson(e.message));
      else reply(500, errorJson(`Emulator internal error: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  async function upload(req: IncomingMessage, res: ServerResponse, path: string, segs: string[], cloud: string, rt: ResourceType | 'auto'): Promise<void> {
    const entry: RequestLogEntry = { kind: 'upload', method: 'POST', path, segments: segs, params: {}, status: 0 };
    const reply = (status: number, body: string): void => {
      entry.status = status;
      record(entry);
      send(res, status, body, jsonHeaders());
    };
    try {
      const body = await readBody(req);
      await delay(s);
      const ctype = req.headers['content-type'] ?? '';
      const form = /multipart\/form-data/i.test(ctype)
        ? parseMultipart(body, ctype)
        : { fields: parseForm(body.toString('utf8')), files: {} };
      const { file: _file, ...loggable } = form.fields;
      entry.params = { ...loggable, ...(form.files.file ? { file: `<${form.files.file.data.length} bytes>` } : {}) };
      if (cloud !== s.cloudName) throw new ApiError(401, `Invalid cloud_name ${cloud}`);
      const key = typeof form.fields.api_key === 'string' ? form.fields.api_key : basicAuth(req)?.key;
      if (!key) throw new ApiError(401, 'Must supply api_key');
      if (key !== s.apiKey) throw new ApiError(401, `Invalid api_key ${key}`);
      const result = handleUpload(s.store, s.now(), urlBase(s), rt, form);
      reply(result.status, JSON.stringify(result.body));
    } catch (e) {
      if (e instanceof ApiError) reply(e.status, errorJson(e.message));
      else reply(500, errorJson(`Emulator internal error: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  async function download(req: IncomingMessage, res: ServerResponse, path: string, cloud: string, rt: string): Promise<void> {
    s.deliveryRequests++;
    await readBody(req);
    await delay(s);
    const params = Object.fromEntries(new URL(req.url ?? '/', 'http://emulator').searchParams);
    await s.hook?.({ kind: 'delivery', method: req.method ?? 'GET', segments: [rt, 'download'], params: { public_id: params.public_id, type: params.type } });
    if (deliveryFault(req, res, path, [rt, 'download'], `${rt}/${params.type || 'upload'}/${params.public_id ?? ''}`)) return;
    const result =
      cloud !== s.cloudName
        ? ({ status: 401, message: `Invalid cloud_name ${cloud}` } as const)
        : resolveDownload(s.store, rt, params, { apiKey: s.apiKey, apiSecret: s.apiSecret }, s.now());
    record({ kind: 'delivery', method: req.method ?? 'GET', path, segments: [rt, 'download'], params: { public_id: params.public_id, type: params.type }, status: result.status });
    if (res.destroyed) return;
    if (result.status !== 200) {
      send(res, result.status, errorJson(result.message), jsonHeaders());
      return;
    }
    const data = assetBytes(result.asset);
    res.writeHead(200, { 'Content-Type': mimeFor(result.asset.format), 'Content-Length': String(data.length) });
    res.end(req.method === 'HEAD' ? undefined : data);
  }

  /** A scripted or random fault on a delivery/download request: answered (or hung) here, true. */
  function deliveryFault(req: IncomingMessage, res: ServerResponse, path: string, segs: string[], key: string): boolean {
    const fault = s.deliveryFaults.decide(key);
    if (fault.kind === 'none') return false;
    const entry: RequestLogEntry = { kind: 'delivery', method: req.method ?? 'GET', path, segments: segs, params: {}, status: -1 };
    if (fault.kind === 'respond') {
      entry.status = fault.status;
      record(entry);
      send(res, fault.status, req.method === 'HEAD' ? '' : fault.body, { 'Content-Type': fault.contentType });
    } else {
      record(entry);
      // a CDN that never answers, or drops the connection
      if (fault.kind === 'truncate') res.socket?.destroy();
      else {
        s.hung.add(res);
        res.on('close', () => s.hung.delete(res));
      }
    }
    return true;
  }

  async function delivery(req: IncomingMessage, res: ServerResponse, path: string, segs: string[]): Promise<void> {
    s.deliveryRequests++;
    const method = req.method ?? 'GET';
    await readBody(req);
    await delay(s);
    if (deliveryFault(req, res, path, segs, segs.join('/'))) return;
    // a transformed (derived) URL is answered with a small real image, as the CDN would
    const derived = resolveDelivery(s.store, segs) ? undefined : derivedTarget(segs);
    const asset = resolveDelivery(s.store, derived ?? segs);
    const entry: RequestLogEntry = { kind: 'delivery', method, path, segments: segs, params: {}, status: asset ? 200 : 404 };
    record(entry);
    if (res.destroyed) return;
    if (!asset) {
      // The CDN signals misses in a header; the body is empty.
      res.writeHead(404, { 'X-Cld-Error': 'Resource not found', 'Content-Length': '0' });
      res.end();
      return;
    }
    const data = derived && asset.resource_type !== 'raw' ? thumbnailPng(asset.asset_id) : assetBytes(asset);
    const headers = {
      'Content-Type': derived && asset.resource_type !== 'raw' ? 'image/png' : mimeFor(asset.format),
      'Content-Length': String(data.length),
      ETag: `"${asset.asset_id}"`,
      'Last-Modified': new Date(asset.created_at).toUTCString(),
    };
    res.writeHead(200, headers);
    res.end(method === 'HEAD' ? undefined : data);
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    const rawSegs = path.split('/').slice(1);
    let task: Promise<void>;
    try {
      if (rawSegs[0] === 'v1_1' && rawSegs.length >= 3) {
        const cloud = decodeURIComponent(rawSegs[1] ?? '');
        const segs = decodeSegments(rawSegs.slice(2));
        const rt = segs[0] ?? '';
        if (method === 'POST' && segs.length === 2 && segs[1] === 'upload' && (rt === 'auto' || (RESOURCE_TYPES as readonly string[]).includes(rt))) {
          task = upload(req, res, path, segs, cloud, rt as ResourceType | 'auto');
        } else if ((method === 'GET' || method === 'HEAD') && segs.length === 2 && segs[1] === 'download' && (RESOURCE_TYPES as readonly string[]).includes(rt)) {
          task = download(req, res, path, cloud, rt);
        } else {
          task = admin(req, res, path, segs, cloud);
        }
      } else if ((method === 'GET' || method === 'HEAD') && rawSegs[0] === s.cloudName && rawSegs.length >= 4) {
        task = delivery(req, res, path, decodeSegments(rawSegs.slice(1)));
      } else {
        record({ kind: 'unknown', method, path, segments: rawSegs, params: {}, status: 404 });
        send(res, 404, errorJson(`Emulator has no route for ${method} ${path}`), jsonHeaders());
        return;
      }
    } catch (e) {
      const status = e instanceof ApiError ? e.status : 500;
      send(res, status, errorJson(e instanceof Error ? e.message : String(e)), jsonHeaders());
      return;
    }
    task.catch((e: unknown) => {
      send(res, 500, errorJson(`Emulator internal error: ${e instanceof Error ? e.message : String(e)}`), jsonHeaders());
    });
  };
}
