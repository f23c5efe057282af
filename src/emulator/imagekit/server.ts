/**
 * The request pipeline of the ImageKit emulator: the API (`/v1/files…`, Basic auth with the private
 * key, rate limited), the upload API (`/api/v1/files/upload`, not rate limited, as documented) and
 * delivery (`/<urlEndpointId>/[tr:…/]path[?tr=…]`, signed URLs for private files). Shapes follow
 * the API reference and the @imagekit/nodejs types.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, basicAuth, parseMultipart, readBody } from '../http-util.js';
import { parseSearchQuery } from './query.js';
import { bytesOf, type FileStore, type IkFile } from './store.js';

const HELP = 'For support kindly contact us at support@imagekit.io .';
/** The list API's page limits (API reference: 1 ≤ limit ≤ 1000, default 1000). */
const MAX_LIMIT = 1000;
/** Bulk delete takes at most 100 fileIds. */
const MAX_BULK_DELETE = 100;

export interface RateWindow {
  limit: number;
  intervalMs: number;
}

export interface IkRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  status: number;
}

export interface IkState {
  urlEndpointId: string;
  privateKey: string;
  publicKey: string;
  port: number;
  now: () => number;
  store: FileStore;
  latencyMs: number;
  rate: RateWindow;
  windowStart: number;
  windowCalls: number;
  apiCalls: number;
  log: IkRequest[];
  logRequests: boolean;
  failures: Array<{ remaining: number; status: number }>;
  hook?: (req: Omit<IkRequest, 'status'>) => void | Promise<void>;
  timers: Set<NodeJS.Timeout>;
}

export const urlEndpointOf = (s: Pick<IkState, 'port' | 'urlEndpointId'>): string => `http://127.0.0.1:${s.port}/${s.urlEndpointId}`;

export function fileJson(s: IkState, f: IkFile): Record<string, unknown> {
  const endpoint = urlEndpointOf(s);
  const image = f.mime.startsWith('image/');
  return {
    type: 'file',
    name: f.name,
    createdAt: new Date(f.createdAt).toISOString(),
    updatedAt: new Date(f.updatedAt).toISOString(),
    fileId: f.fileId,
    tags: null,
    AITags: null,
    versionInfo: { id: f.versions[0]?.versionId ?? f.fileId, name: `Version ${f.versions.length}` },
    embeddedMetadata: {},
    isPublished: true,
    customCoordinates: null,
    customMetadata: {},
    isPrivateFile: f.isPrivateFile,
    url: `${endpoint}${f.filePath}`,
    thumbnail: image ? `${endpoint}/tr:n-ik_ml_thumbnail${f.filePath}` : `${endpoint}/static/file-type-icons/file.png`,
    fileType: image ? 'image' : 'non-image',
    filePath: f.filePath,
    ...(image ? { height: 100, width: 100, hasAlpha: false } : {}),
    size: f.size,
    mime: f.mime,
  };
}

function send(res: ServerResponse, status: number, body: string | Buffer | undefined, headers: Record<string, string>): void {
  if (res.destroyed || res.headersSent) return;
  const buf = body === undefined ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, { ...headers, 'Content-Length': String(buf.length) });
  res.end(buf);
}

const json = (extra: Record<string, string> = {}): Record<string, string> => ({ 'Content-Type': 'application/json; charset=utf-8', 'x-ik-requestId': randomBytes(8).toString('hex'), ...extra });
const errorBody = (message: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ message, help: HELP, ...extra });

function rateHeaders(s: IkState): Record<string, string> {
  const now = s.now();
  if (now - s.windowStart >= s.rate.intervalMs) {
    s.windowStart = now - ((now - s.windowStart) % s.rate.intervalMs);
    s.windowCalls = 0;
  }
  return {
    'X-RateLimit-Limit': String(s.rate.limit),
    'X-RateLimit-Reset': String(Math.max(0, s.windowStart + s.rate.intervalMs - now)),
    'X-RateLimit-Interval': String(s.rate.intervalMs),
  };
}

function delay(s: IkState): Promise<void> {
  if (s.latencyMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      s.timers.delete(t);
      resolve();
    }, s.latencyMs);
    s.timers.add(t);
  });
}

function authenticate(s: IkState, req: IncomingMessage): void {
  const auth = basicAuth(req);
  if (!auth || !auth.key) throw new ApiError(401, 'Your request does not contain private API key.');
  if (auth.key !== s.privateKey) throw new ApiError(401, 'Your account cannot be authenticated.');
}

const intParam = (v: string | undefined, name: string, dflt: number, min: number, max: number): number => {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new ApiError(400, `Invalid ${name}: it must be an integer from ${min} to ${max}.`);
  return n;
};

const SORTS: Record<string, (a: IkFile, b: IkFile) => number> = {
  ASC_CREATED: () => 0,
  DESC_CREATED: () => 0,
  ASC_NAME: (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  DESC_NAME: (a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  ASC_SIZE: (a, b) => a.size - b.size,
  DESC_SIZE: (a, b) => b.size - a.size,
};

function list(s: IkState, q: Record<string, string>): unknown[] {
  const type = q.searchQuery ? 'file' : (q.type ?? 'file');
  if (!['file', 'file-version', 'folder', 'all'].includes(type)) throw new ApiError(400, 'Invalid type.');
  const sort = q.sort ?? 'ASC_CREATED';
  if (!(sort in SORTS)) throw new ApiError(400, `Invalid sort ${sort}.`);
  const limit = intParam(q.limit, 'limit', MAX_LIMIT, 1, MAX_LIMIT);
  const skip = intParam(q.skip, 'skip', 0, 0, Number.MAX_SAFE_INTEGER);
  if (type === 'folder') return [];
  const predicate = q.searchQuery ? parseSearchQuery(q.searchQuery, s.now()) : undefined;
  // the `path` parameter: that folder only
  const folder = q.path ? q.path.replace(/\/+$/, '') || '/' : undefined;
  const fileType = q.fileType ?? 'all';
  let files = s.store.all().filter((f) => {
    if (folder !== undefined && (f.filePath.slice(0, f.filePath.lastIndexOf('/')) || '/') !== folder) return false;
    if (fileType === 'image' && !f.mime.startsWith('image/')) return false;
    if (fileType === 'non-image' && f.mime.startsWith('image/')) return false;
    return predicate ? predicate(f) : true;
  });
  if (sort === 'DESC_CREATED') files = [...files].reverse();
  else if (sort !== 'ASC_CREATED') files = [...files].sort(SORTS[sort]);
  return files.slice(skip, skip + limit).map((f) => fileJson(s, f));
}

function bulkDelete(s: IkState, body: unknown): unknown {
  const ids = (body as { fileIds?: unknown })?.fileIds;
  if (!Array.isArray(ids) || ids.length === 0 || ids.some((id) => typeof id !== 'string')) throw new ApiError(400, 'fileIds must be a non-empty array of strings.');
  if (ids.length > MAX_BULK_DELETE) throw new ApiError(400, `A maximum of ${MAX_BULK_DELETE} files can be deleted at a time.`);
  const missing = (ids as string[]).filter((id) => !s.store.get(id));
  // documented: if any fileId is missing, nothing is deleted and the whole operation fails
  if (missing.length) throw Object.assign(new ApiError(404, 'The requested file(s) does not exist.'), { extra: { missingFileIds: missing } });
  s.store.removeMany(ids as string[]);
  return { successfullyDeletedFileIds: ids };
}

async function upload(s: IkState, req: IncomingMessage): Promise<unknown> {
  const body = await readBody(req);
  const ctype = req.headers['content-type'] ?? '';
  if (!/multipart\/form-data/i.test(ctype)) throw new ApiError(400, 'Upload takes multipart/form-data.');
  const form = parseMultipart(body, ctype);
  const fileName = typeof form.fields.fileName === 'string' ? form.fields.fileName : undefined;
  if (!fileName) throw new ApiError(400, 'Missing fileName parameter for upload.');
  const data = form.files.file?.data ?? (typeof form.fields.file === 'string' ? Buffer.from(form.fields.file, 'base64') : undefined);
  if (!data) throw new ApiError(400, 'Missing file parameter for upload.');
  const folderField = typeof form.fields.folder === 'string' ? form.fields.folder : '/';
  const folder = `/${folderField.replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '');
  const unique = form.fields.useUniqueFileName !== 'false';
  const overwrite = form.fields.overwriteFile !== 'false';
  const safeName = fileName.replace(/[^\p{L}\p{M}\p{N}._-]/gu, '_');
  let name = safeName;
  if (unique) {
    const dot = name.lastIndexOf('.');
    const suffix = `_${randomBytes(4).toString('hex')}`;
    name = dot > 0 ? `${name.slice(0, dot)}${suffix}${name.slice(dot)}` : `${name}${suffix}`;
  }
  const filePath = `${folder}/${name}`;
  const existing = s.store.byPath(filePath);
  if (existing && !unique && !overwrite) throw new ApiError(400, 'A file with the same name already exists at the exact location. We could not overwrite it because both overwriteFile and useUniqueFileName are set to false.');
  let f: IkFile;
  if (existing) {
    // a new version of the same fileId
    existing.data = data;
    existing.size = data.length;
    existing.updatedAt = s.now();
    existing.versions.unshift({ versionId: `${existing.fileId.slice(0, 16)}${existing.versions.length.toString(16).padStart(8, '0')}`, createdAt: existing.updatedAt, size: data.length });
    f = existing;
  } else {
    f = s.store.add({ filePath, data }, s.now());
  }
  const j = fileJson(s, f);
  return { fileId: f.fileId, name: f.name, filePath: f.filePath, url: j.url, thumbnailUrl: j.thumbnail, size: f.size, fileType: j.fileType, height: j.height, width: j.width, versionInfo: j.versionInfo, AITags: null };
}

/** Delivery: `/<id>/tr:…/path`, `/<id>/path?tr=…`; private files only with a valid signature. */
function deliver(s: IkState, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const segs = url.pathname.split('/').slice(2);
  if (segs[0]?.startsWith('tr:')) segs.shift();
  let filePath: string;
  try {
    filePath = `/${segs.map((x) => decodeURIComponent(x)).join('/')}`;
  } catch {
    return send(res, 400, undefined, {});
  }
  const f = s.store.byPath(filePath);
  if (!f) return send(res, 404, undefined, { 'Content-Type': 'text/plain' });
  if (f.isPrivateFile) {
    const sig = url.searchParams.get('ik-s');
    const expiry = url.searchParams.get('ik-t') ?? '9999999999';
    const unsigned = `${url.origin}${url.pathname}${stripSignature(url.search)}`;
    const toSign = unsigned.replace(`${urlEndpointOf(s)}/`, '') + expiry;
    const expected = createHmac('sha1', s.privateKey).update(toSign).digest('hex');
    if (sig !== expected || Number(expiry) * 1000 < s.now()) return send(res, 401, undefined, { 'Content-Type': 'text/plain' });
  }
  const data = bytesOf(f);
  send(res, 200, req.method === 'HEAD' ? undefined : data, { 'Content-Type': f.mime, ETag: `"${f.versions[0]?.versionId ?? f.fileId}"`, 'Last-Modified': new Date(f.updatedAt).toUTCString() });
}

function stripSignature(search: string): string {
  const p = new URLSearchParams(search);
  p.delete('ik-s');
  p.delete('ik-t');
  const rest = p.toString();
  return rest ? `?${rest}` : '';
}

export function createHandler(s: IkState): (req: IncomingMessage, res: ServerResponse) => void {
  const record = (r: IkRequest): void => {
    if (s.logRequests) s.log.push(r);
  };

  async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const query = Object.fromEntries(url.searchParams);
    const entry: IkRequest = { method, path: url.pathname, query, status: 0 };
    const isUpload = url.pathname === '/api/v1/files/upload';
    const reply = (status: number, body: string | undefined): void => {
      entry.status = status;
      record(entry);
      send(res, status, body, { ...json(), ...(isUpload ? {} : rateHeaders(s)) });
    };
    try {
      if (!isUpload) s.apiCalls++;
      const raw = isUpload || method === 'GET' || method === 'DELETE' ? undefined : await readBody(req);
      await delay(s);
      if (raw && raw.length) {
        try {
          entry.body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new ApiError(400, 'Invalid JSON body.');
        }
      }
      await s.hook?.({ method, path: url.pathname, query, body: entry.body });
      authenticate(s, req);
      if (!isUpload) {
        rateHeaders(s);
        if (s.windowCalls >= s.rate.limit) throw new ApiError(429, 'Too many requests');
        s.windowCalls++;
        const fail = s.failures[0];
        if (fail) {
          if (--fail.remaining <= 0) s.failures.shift();
          throw new ApiError(fail.status, `Emulated failure (HTTP ${fail.status})`);
        }
      }
      const segs = url.pathname.split('/').slice(1).map((x) => decodeURIComponent(x));
      if (isUpload && method === 'POST') return reply(200, JSON.stringify(await upload(s, req)));
      if (method === 'GET' && url.pathname === '/v1/files') return reply(200, JSON.stringify(list(s, query)));
      if (method === 'POST' && url.pathname === '/v1/files/batch/deleteByFileIds') return reply(200, JSON.stringify(bulkDelete(s, entry.body)));
      if (segs[0] === 'v1' && segs[1] === 'files' && segs.length >= 3) {
        const f = s.store.get(segs[2]!);
        if (method === 'DELETE' && segs.length === 3) {
          if (!f) throw new ApiError(404, 'The requested file does not exist.');
          s.store.remove(f.fileId);
          return reply(204, undefined);
        }
        if (method === 'GET' && segs[3] === 'details' && segs.length === 4) {
          if (!f) throw new ApiError(404, 'The requested file does not exist.');
          return reply(200, JSON.stringify(fileJson(s, f)));
        }
        if (method === 'GET' && segs[3] === 'versions' && segs.length === 4) {
          if (!f) throw new ApiError(404, 'The requested file does not exist.');
          return reply(200, JSON.stringify(f.versions.map((v, i) => ({ ...fileJson(s, f), type: i === 0 ? 'file' : 'file-version', size: v.size, versionInfo: { id: v.versionId, name: `Version ${f.versions.length - i}` } }))));
        }
      }
      throw new ApiError(404, `No route for ${method} ${url.pathname}`);
    } catch (e) {
      if (e instanceof ApiError) reply(e.status, errorBody(e.message, (e as ApiError & { extra?: Record<string, unknown> }).extra));
      else reply(500, errorBody(`Emulator internal error: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  return (req, res) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${s.port}`);
    const first = url.pathname.split('/')[1];
    const task =
      first === 'v1' || url.pathname === '/api/v1/files/upload'
        ? api(req, res, url)
        : first === s.urlEndpointId && (req.method === 'GET' || req.method === 'HEAD')
          ? delay(s).then(() => deliver(s, req, res, url))
          : Promise.resolve(send(res, 404, errorBody(`No route for ${req.method} ${url.pathname}`), json()));
    task.catch((e: unknown) => send(res, 500, errorBody(String(e)), json()));
  };
}
