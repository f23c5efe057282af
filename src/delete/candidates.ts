/**
 * The orphan section of a confirmed report, validated row by row. One bad row refuses the whole
 * report: an operator's edit that broke a line must not silently change what gets deleted. A
 * reviewed report may lose rows (a reviewer unticking) but never gain one: every row must name an
 * orphan of the JSON twin detect wrote beside it, on (resource_type, type, public_id, asset_id).
 * The columns are the report's backend's (its ReportVocabulary): a store whose report shows no
 * partition or asset_id column (a folder) takes the partition from the backend and the asset_id
 * from the twin, which must then list the row's key with the same size and time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { readReport, ReportFormatError } from '../report/read.js';
import type { OrphanField } from '../storage/backend.js';
import type { Partition } from '../storage/types.js';
import { reportVocabulary } from '../storage/vocabulary.js';

export interface Candidate {
  publicId: string;
  resourceType: string;
  type: string;
  bytes: number;
  uploadedAt: string;
  assetId: string;
  url: string;
  line: number;
}

export interface ConfirmedReport {
  file: string;
  /** The backend whose report it is (by its orphan section's title). */
  backend: string;
  candidates: Candidate[];
  /** Cloud names named by the report's URLs and its JSON twin. */
  clouds: Set<string>;
  /** The JSON twin detect wrote next to the CSV: what the scan saw, and under which configuration. */
  twin?: Twin;
  incomplete?: string;
}

export interface Twin {
  file: string;
  cloudName?: string;
  references?: number;
  configDigest?: string;
  /** `${resource_type}/${type}/${asset_id}/${public_id}` of every orphan the scan listed. */
  orphans: Set<string>;
  /** The backend the twin names (absent: Cloudinary's, written before backends had names). */
  backend?: string;
  /** `${resource_type}/${type}/${public_id}` → what the scan listed, for reports without an asset_id column. */
  listed: Map<string, { assetId: string; bytes: number; uploadedAt: string }>;
}

const orphanKey = (o: { resourceType: string; type: string; assetId: string; publicId: string }): string => `${o.resourceType}/${o.type}/${o.assetId}/${o.publicId}`;

const DELIVERY_URL = /^https?:\/\/res(?:-\d+)?\.cloudinary\.com\/([^/]+)\//i;

/** `twinFile`: the JSON twin named by `delete --report`; otherwise it is looked for beside the CSV (twinOf). */
export function loadConfirmedReport(file: string, twinFile: string | undefined, partitions: readonly Partition[]): ConfirmedReport {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError(`cannot read the report ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}): pass the CSV written by "asset-audit detect" with --input`);
  }
  let parsed;
  try {
    parsed = readReport(text);
  } catch (err) {
    if (err instanceof ReportFormatError) throw usageError(`refusing the report ${file}: ${err.message}. Nothing was deleted.`);
    throw err;
  }
  const twin = readTwin(twinFile ?? twinOf(file));
  if (twinFile && !twin) throw usageError(`--report ${twinFile}: cannot read it as the JSON report detect wrote (…json beside the original CSV). Nothing was deleted.`);
  const words = reportVocabulary(parsed.backend);
  const header = (field: OrphanField): string | undefined => words.orphanColumns.find((c) => c.field === field)?.header;
  const only = partitions.length === 1 ? partitions[0] : undefined;
  const h = { key: header('publicId')!, rt: header('resourceType'), type: header('type'), bytes: header('bytes')!, at: header('uploadedAt')!, id: header('assetId'), url: header('url') };
  const partitionWords = (side: keyof Partition) => [...new Set(partitions.map((p) => p[side]))];
  const clouds = new Set<string>();
  const seen = new Set<string>();
  const candidates = parsed.orphans.map((row) => {
    const line = Number(row.line);
    const fail = (why: string) => usageError(`refusing the report ${file}: line ${line}: ${why}. Nothing was deleted.`);
    const publicId = row[h.key] ?? '';
    if (!publicId) throw fail(`empty ${h.key}`);
    // a report without partition columns is a one-partition store's: the backend's only partition
    const resourceType = h.rt ? (row[h.rt] ?? '') : (only?.resourceType ?? '');
    const type = h.type ? (row[h.type] ?? '') : (only?.type ?? '');
    if (!partitionWords('resourceType').includes(resourceType)) throw fail(`resource_type "${resourceType}" is not one of ${partitionWords('resourceType').join(', ')}`);
    if (!partitionWords('type').includes(type)) throw fail(`type "${type}" is not one of ${partitionWords('type').join(', ')}`);
    if (!/^\d+$/.test(row[h.bytes] ?? '')) throw fail(`${h.bytes} "${row[h.bytes]}" is not a whole number`);
    if (Number.isNaN(Date.parse(row[h.at] ?? ''))) throw fail(`${h.at} "${row[h.at]}" is not a date`);
    const key = `${resourceType}/${type}/${publicId}`;
    let assetId = h.id ? (row[h.id] ?? '') : '';
    if (h.id && !assetId) throw fail(`asset_id is blank: every row detect writes has one (was this row added by hand?)`);
    if (!h.id && twin) {
      // the twin knows the file's identity; the row must show the size and time the scan saw
      const listed = twin.listed.get(key);
      if (!listed || listed.bytes !== Number(row[h.bytes]) || Date.parse(listed.uploadedAt) !== Date.parse(row[h.at]!)) {
        throw fail(`${publicId} (${row[h.bytes]} bytes, ${row[h.at]}) is not an orphan the scan listed in ${path.basename(twin.file)}; a reviewed report may lose rows, never gain or change them`);
      }
      assetId = listed.assetId;
    }
    // without a twin the caller refuses the whole report anyway, with a clearer message
    if (twin && !twin.orphans.has(orphanKey({ resourceType, type, assetId, publicId }))) {
      throw fail(`${resourceType}/${type}/${publicId} (asset_id ${assetId}) is not an orphan the scan listed in ${path.basename(twin.file)}; a reviewed report may lose rows, never gain them`);
    }
    if (seen.has(key)) throw fail(`${key} is listed twice`);
    seen.add(key);
    const url = h.url ? (row[h.url] ?? '') : '';
    const cloud = DELIVERY_URL.exec(url)?.[1];
    if (cloud) clouds.add(cloud.toLowerCase());
    return {
      publicId,
      resourceType,
      type,
      bytes: Number(row[h.bytes]),
      uploadedAt: row[h.at]!,
      assetId,
      url,
      line,
    };
  });
  if (twin?.cloudName) clouds.add(twin.cloudName.toLowerCase());
  return { file, backend: parsed.backend, candidates, clouds, twin, incomplete: parsed.incomplete };
}

/**
 * Where the JSON twin of a report is: beside it under the same base name. A review-page export
 * (`NAME.confirmed.csv`, or a browser's `NAME.confirmed (1).csv` / `-1` for a second download)
 * carries its original's base name, so its twin is `NAME.json` in the same folder.
 */
export function twinOf(csvFile: string): string {
  const exported = /^(.*)\.confirmed(?: ?\(\d+\)|-\d+)?\.csv$/i.exec(csvFile);
  return exported ? `${exported[1]}.json` : csvFile.replace(/(\.csv)?$/i, '.json');
}

function readTwin(file: string): ConfirmedReport['twin'] {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; backend?: unknown; cloudName?: unknown; references?: { references?: unknown }; configDigest?: unknown; orphans?: unknown };
    if (json.format !== 'asset-audit/detect') return undefined;
    const orphans = new Set<string>();
    const listed: Twin['listed'] = new Map();
    for (const o of Array.isArray(json.orphans) ? (json.orphans as Array<Record<string, unknown>>) : []) {
      if (o && typeof o === 'object' && [o.resourceType, o.type, o.assetId, o.publicId].every((v) => typeof v === 'string' && v !== '')) {
        const orphan = o as { resourceType: string; type: string; assetId: string; publicId: string; bytes?: unknown; uploadedAt?: unknown };
        orphans.add(orphanKey(orphan));
        if (typeof orphan.bytes === 'number' && typeof orphan.uploadedAt === 'string') {
          listed.set(`${orphan.resourceType}/${orphan.type}/${orphan.publicId}`, { assetId: orphan.assetId, bytes: orphan.bytes, uploadedAt: orphan.uploadedAt });
        }
      }
    }
    return {
      file,
      cloudName: typeof json.cloudName === 'string' ? json.cloudName : undefined,
      references: typeof json.references?.references === 'number' ? json.references.references : undefined,
      configDigest: typeof json.configDigest === 'string' ? json.configDigest : undefined,
      orphans,
      listed,
      ...(typeof json.backend === 'string' ? { backend: json.backend } : {}),
    };
  } catch {
    return undefined;
  }
}
