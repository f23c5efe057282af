/**
 * The orphan section of a confirmed report, validated row by row. One bad row refuses the whole
 * report: an operator's edit that broke a line must not silently change what gets deleted. A
 * reviewed report may lose rows (a reviewer unticking) but never gain one: every row must name an
 * orphan of the JSON twin detect wrote beside it, on (resource_type, type, public_id, asset_id).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { usageError } from '../errors.js';
import { readReport, ReportFormatError } from '../report/read.js';
import { DELIVERY_TYPES, RESOURCE_TYPES, type DeliveryType, type ResourceType } from '../storage/cloudinary/partitions.js';

export interface Candidate {
  publicId: string;
  resourceType: ResourceType;
  type: DeliveryType;
  bytes: number;
  uploadedAt: string;
  assetId: string;
  url: string;
  line: number;
}

export interface ConfirmedReport {
  file: string;
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
}

const orphanKey = (o: { resourceType: string; type: string; assetId: string; publicId: string }): string => `${o.resourceType}/${o.type}/${o.assetId}/${o.publicId}`;

const DELIVERY_URL = /^https?:\/\/res(?:-\d+)?\.cloudinary\.com\/([^/]+)\//i;

/** `twinFile`: the JSON twin named by `delete --report`; otherwise it is looked for beside the CSV (twinOf). */
export function loadConfirmedReport(file: string, twinFile?: string): ConfirmedReport {
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
  const clouds = new Set<string>();
  const seen = new Set<string>();
  const candidates = parsed.orphans.map((row) => {
    const line = Number(row.line);
    const fail = (why: string) => usageError(`refusing the report ${file}: line ${line}: ${why}. Nothing was deleted.`);
    const publicId = row.public_id ?? '';
    if (!publicId) throw fail('empty public_id');
    if (!RESOURCE_TYPES.includes(row.resource_type as ResourceType)) throw fail(`resource_type "${row.resource_type}" is not one of ${RESOURCE_TYPES.join(', ')}`);
    if (!DELIVERY_TYPES.includes(row.type as DeliveryType)) throw fail(`type "${row.type}" is not one of ${DELIVERY_TYPES.join(', ')}`);
    if (!/^\d+$/.test(row.size_bytes ?? '')) throw fail(`size_bytes "${row.size_bytes}" is not a whole number`);
    if (Number.isNaN(Date.parse(row.uploaded_at ?? ''))) throw fail(`uploaded_at "${row.uploaded_at}" is not a date`);
    const assetId = row.asset_id ?? '';
    if (!assetId) throw fail(`asset_id is blank: every row detect writes has one (was this row added by hand?)`);
    // without a twin the caller refuses the whole report anyway, with a clearer message
    if (twin && !twin.orphans.has(orphanKey({ resourceType: row.resource_type!, type: row.type!, assetId, publicId }))) {
      throw fail(`${row.resource_type}/${row.type}/${publicId} (asset_id ${assetId}) is not an orphan the scan listed in ${path.basename(twin.file)}; a reviewed report may lose rows, never gain them`);
    }
    const key = `${row.resource_type}/${row.type}/${publicId}`;
    if (seen.has(key)) throw fail(`${key} is listed twice`);
    seen.add(key);
    const url = row.cloudinary_url ?? '';
    const cloud = DELIVERY_URL.exec(url)?.[1];
    if (cloud) clouds.add(cloud.toLowerCase());
    return {
      publicId,
      resourceType: row.resource_type as ResourceType,
      type: row.type as DeliveryType,
      bytes: Number(row.size_bytes),
      uploadedAt: row.uploaded_at!,
      assetId,
      url,
      line,
    };
  });
  if (twin?.cloudName) clouds.add(twin.cloudName.toLowerCase());
  return { file, candidates, clouds, twin, incomplete: parsed.incomplete };
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
    const json = JSON.parse(readFileSync(file, 'utf8')) as { format?: string; cloudName?: unknown; references?: { references?: unknown }; configDigest?: unknown; orphans?: unknown };
    if (json.format !== 'asset-audit/detect') return undefined;
    const orphans = new Set<string>();
    for (const o of Array.isArray(json.orphans) ? (json.orphans as Array<Record<string, unknown>>) : []) {
      if (o && typeof o === 'object' && [o.resourceType, o.type, o.assetId, o.publicId].every((v) => typeof v === 'string' && v !== '')) {
        orphans.add(orphanKey(o as { resourceType: string; type: string; assetId: string; publicId: string }));
      }
    }
    return {
      file,
      cloudName: typeof json.cloudName === 'string' ? json.cloudName : undefined,
      references: typeof json.references?.references === 'number' ? json.references.references : undefined,
      configDigest: typeof json.configDigest === 'string' ? json.configDigest : undefined,
      orphans,
    };
  } catch {
    return undefined;
  }
}
