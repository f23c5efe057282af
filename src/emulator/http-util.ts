import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';

export type Params = Record<string, unknown>;

/** Thrown by parsers and handlers; the server turns it into the API's JSON error shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 256 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiError(400, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * querystring semantics, as the SDK encodes with querystring.stringify. Keys ending in `[]`
 * (public_ids[]) are always arrays, stored without the suffix; other repeated keys keep their array.
 */
export function parseForm(text: string): Params {
  const raw = parseQuery(text);
  const out: Params = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    if (k.endsWith('[]')) {
      const name = k.slice(0, -2);
      const prev = out[name];
      const list = Array.isArray(v) ? v : [v];
      out[name] = Array.isArray(prev) ? [...(prev as string[]), ...list] : list;
    } else {
      out[k] = v;
    }
  }
  return out;
}

export interface MultipartFile {
  filename: string;
  contentType?: string;
  data: Buffer;
}

export interface Multipart {
  fields: Params;
  files: Record<string, MultipartFile>;
}

export function parseMultipart(body: Buffer, contentType: string): Multipart {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new ApiError(400, 'Missing multipart boundary');
  const delim = Buffer.from(`--${boundary}`);
  const fields: Params = {};
  const files: Record<string, MultipartFile> = {};
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break; // closing "--boundary--"
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    // Parts end at CRLF--boundary; the SDK's final delimiter has no trailing CRLF, so search for it bare.
    const next = body.indexOf(delim, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 2] === 0x0d && body[end - 1] === 0x0a) end -= 2;
    const part = body.subarray(start, end);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      const ctype = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1];
      if (name !== undefined) {
        if (filename !== undefined) {
          const f: MultipartFile = { filename, data: Buffer.from(content) };
          if (ctype) f.contentType = ctype;
          files[name] = f;
        } else {
          const key = name.endsWith('[]') ? name.slice(0, -2) : name;
          const value = content.toString('utf8');
          const prev = fields[key];
          if (name.endsWith('[]')) fields[key] = Array.isArray(prev) ? [...(prev as string[]), value] : [value];
          else fields[key] = value;
        }
      }
    }
    pos = next;
  }
  return { fields, files };
}

/** Basic auth credentials, or undefined when the header is missing or malformed. */
export function basicAuth(req: IncomingMessage): { key: string; secret: string } | undefined {
  const h = req.headers.authorization;
  if (!h || !/^basic /i.test(h)) return undefined;
  const decoded = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { key: decoded, secret: '' };
  return { key: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

export function firstString(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? firstString(v[0]) : undefined;
  if (v === undefined || v === null) return undefined;
  return String(v);
}
