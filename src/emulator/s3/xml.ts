/**
 * The S3 XML documents the emulator writes (shapes from the S3 API reference: ListBucketResult,
 * DeleteResult, Error) and the one it reads (the DeleteObjects request body).
 */
import type { ListResult } from './list.js';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

export const escapeXml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

const unescapeXml = (s: string): string =>
  s.replace(/&(amp|lt|gt|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => {
    if (e.startsWith('#x')) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith('#')) return String.fromCodePoint(parseInt(e.slice(1), 10));
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e]!;
  });

const el = (name: string, value: string | number | boolean): string => `<${name}>${escapeXml(String(value))}</${name}>`;

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return `${HEAD}<Error>${el('Code', code)}${el('Message', message)}${el('Resource', resource)}${el('RequestId', requestId)}</Error>`;
}

export interface ListEcho {
  bucket: string;
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  continuationToken?: string;
  startAfter?: string;
  encodingType?: 'url';
}

export function listXml(echo: ListEcho, result: ListResult): string {
  // with encoding-type=url the key-bearing elements are URL-encoded (the SDK leaves decoding to the caller)
  const enc = (s: string) => (echo.encodingType === 'url' ? encodeURIComponent(s).replace(/%2F/g, '/') : s);
  const parts = [
    el('Name', echo.bucket),
    el('Prefix', enc(echo.prefix)),
    el('KeyCount', result.contents.length + result.commonPrefixes.length),
    el('MaxKeys', echo.maxKeys),
    ...(echo.delimiter !== undefined ? [el('Delimiter', enc(echo.delimiter))] : []),
    el('IsTruncated', result.isTruncated),
    ...(echo.continuationToken !== undefined ? [el('ContinuationToken', echo.continuationToken)] : []),
    ...(result.nextContinuationToken !== undefined ? [el('NextContinuationToken', result.nextContinuationToken)] : []),
    ...(echo.startAfter !== undefined ? [el('StartAfter', enc(echo.startAfter))] : []),
    ...(echo.encodingType ? [el('EncodingType', echo.encodingType)] : []),
    ...result.contents.map(
      (o) => `<Contents>${el('Key', enc(o.key))}${el('LastModified', o.lastModified.toISOString())}${el('ETag', o.etag)}${el('Size', o.size)}${el('StorageClass', 'STANDARD')}</Contents>`,
    ),
    ...result.commonPrefixes.map((p) => `<CommonPrefixes>${el('Prefix', enc(p))}</CommonPrefixes>`),
  ];
  return `${HEAD}<ListBucketResult xmlns="${NS}">${parts.join('')}</ListBucketResult>`;
}

export type DeleteEntry =
  | { key: string; deleted: true; deleteMarkerVersionId?: string }
  | { key: string; deleted: false; code: string; message: string };

export function deleteResultXml(entries: DeleteEntry[], quiet: boolean): string {
  const parts = entries
    // quiet mode reports only the keys that failed
    .filter((e) => !quiet || !e.deleted)
    .map((e) =>
      e.deleted
        ? `<Deleted>${el('Key', e.key)}${e.deleteMarkerVersionId ? `${el('DeleteMarker', true)}${el('DeleteMarkerVersionId', e.deleteMarkerVersionId)}` : ''}</Deleted>`
        : `<Error>${el('Key', e.key)}${el('Code', e.code)}${el('Message', e.message)}</Error>`,
    );
  return `${HEAD}<DeleteResult xmlns="${NS}">${parts.join('')}</DeleteResult>`;
}

export interface DeleteRequest {
  quiet: boolean;
  objects: Array<{ key: string; etag?: string; versionId?: string }>;
}

/** The DeleteObjects body; undefined when it is not a <Delete> document (S3 answers MalformedXML). */
export function parseDeleteRequest(xml: string): DeleteRequest | undefined {
  if (!/<Delete[\s>]/.test(xml)) return undefined;
  const text = (block: string, name: string) => {
    const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(block);
    return m ? unescapeXml(m[1]!) : undefined;
  };
  const objects: DeleteRequest['objects'] = [];
  for (const m of xml.matchAll(/<Object>([\s\S]*?)<\/Object>/g)) {
    const key = text(m[1]!, 'Key');
    if (key === undefined) return undefined;
    const etag = text(m[1]!, 'ETag');
    const versionId = text(m[1]!, 'VersionId');
    objects.push({ key, ...(etag !== undefined ? { etag } : {}), ...(versionId !== undefined ? { versionId } : {}) });
  }
  return { quiet: text(xml.replace(/<Object>[\s\S]*?<\/Object>/g, ''), 'Quiet') === 'true', objects };
}
