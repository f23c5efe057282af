/**
 * A bucket listed as parallel lanes. The first lane lists the root with a delimiter: its objects
 * are returned, and each folder it reports (CommonPrefixes) becomes a lane of its own, itself
 * split the same way while there are fewer lanes than LIST_LANES, else listed whole. Up to
 * LIST_LANES lanes have one ListObjectsV2 page in flight at once; each call returns the first
 * page to arrive, so a deep bucket lists at LIST_LANES pages per round trip, a flat one at one.
 *
 * A flat level (a page of keys and no folders, as Active Storage's random keys at the root) is
 * split instead into key ranges after the last key seen, one lane each, bounded by StartAfter
 * below and cut client-side above: together they cover every later key exactly once.
 *
 * The cursor is plain data (the lanes and their continuation tokens), so a stopped scan resumes
 * from a checkpoint; pages fetched ahead are only a cache, thrown away on resume. Memory is
 * bounded: one page ahead per active lane, and a splitting lane waits while MAX_LANES are queued.
 */

/** Pages in flight at once; S3 serves 5,500 GET/LIST a second per prefix, so this is for latency only. */
export const LIST_LANES = 8;
/** Queued lanes before a splitting lane waits for some to finish (bounds the cursor's size). */
export const MAX_LANES = 256;
const DELIMITER = '/';

export interface ListedObject {
  key: string;
  etag: string;
  size: number;
  lastModified: Date;
}

export interface ListCallResult {
  objects: ListedObject[];
  prefixes: string[];
  next?: string;
}

export type ListCall = (input: { prefix: string; delimiter?: string; token?: string; startAfter?: string; maxKeys: number }) => Promise<ListCallResult>;

/** Where a flat level is split: keys are mostly ASCII letters and digits (UTF-8 order is byte order). */
const RANGE_BOUNDS = '123456789abcdefghijklmnopqrstuvwxyz';

const after = (a: string, b: string): boolean => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')) > 0;

/** Lanes covering every key under `prefix` after `last`: (last, p1], (p1, p2], …, (pz, ∞). */
function rangeLanes(prefix: string, last: string): Lane[] {
  const out: Lane[] = [];
  let from = last;
  for (const c of RANGE_BOUNDS) {
    const bound = prefix + c;
    if (!after(bound, from)) continue;
    out.push({ p: prefix, a: from, u: bound });
    from = bound;
  }
  out.push({ p: prefix, a: from });
  return out;
}

interface Lane {
  /** Prefix. */
  p: string;
  /** Split by the delimiter (lists one level, folders become lanes). */
  d?: 1;
  /** Continuation token. */
  t?: string;
  /** Keys after this one only (StartAfter, before the first token). */
  a?: string;
  /** Keys up to this one only (the next range's start). */
  u?: string;
}

const encode = (lanes: Lane[]): string => Buffer.from(JSON.stringify({ v: 1, l: lanes }), 'utf8').toString('base64url');

function decode(cursor: string): Lane[] {
  try {
    const data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: number; l?: Lane[] };
    if (data.v === 1 && Array.isArray(data.l) && data.l.every((l) => typeof l.p === 'string')) return data.l;
  } catch {
    // fall through
  }
  throw new Error('not a cursor of this S3 listing (from another version or backend?)');
}

export class PrefixLister {
  private readonly ahead = new Map<string, Promise<ListCallResult>>();

  constructor(private readonly call: ListCall) {}

  /** One page of the listing under `root`; `cursor` from the previous page. */
  async page(root: string, cursor: string | undefined, maxKeys: number): Promise<{ objects: ListedObject[]; cursor?: string }> {
    let lanes = cursor ? decode(cursor) : [{ p: root, d: 1 as const }];
    for (;;) {
      if (lanes.length === 0) return { objects: [] };
      const active = this.activeLanes(lanes);
      const { lane, result } = await Promise.race(active.map((l) => this.fetch(l, maxKeys).then((r) => ({ lane: l, result: r }))));
      this.ahead.delete(this.keyOf(lane, maxKeys));
      let objects = result.objects;
      let more = result.next;
      if (lane.u !== undefined) {
        // keys are in order: from the first one past the bound on, they are the next range's
        const cut = objects.findIndex((o) => after(o.key, lane.u!));
        if (cut >= 0) {
          objects = objects.slice(0, cut);
          more = undefined;
        }
      }
      let successors: Lane[] = more ? [{ ...lane, t: more }] : [];
      if (lane.d && more && result.prefixes.length === 0 && objects.length > 0 && lanes.length < LIST_LANES) successors = rangeLanes(lane.p, objects.at(-1)!.key);
      const at = lanes.indexOf(lane);
      const next: Lane[] = [...lanes.slice(0, at), ...successors, ...lanes.slice(at + 1)];
      for (const p of result.prefixes) next.push(next.length < LIST_LANES ? { p, d: 1 } : { p });
      lanes = next;
      // keep every active lane busy while the caller handles this page
      for (const l of this.activeLanes(lanes)) void this.fetch(l, maxKeys).catch(() => undefined);
      if (objects.length > 0 || lanes.length === 0) return { objects, ...(lanes.length ? { cursor: encode(lanes) } : {}) };
    }
  }

  /** Drops pages fetched ahead (a stopped scan). */
  clear(): void {
    this.ahead.clear();
  }

  private activeLanes(lanes: Lane[]): Lane[] {
    const full = lanes.length >= MAX_LANES;
    const ready = lanes.filter((l) => !(full && l.d)).slice(0, LIST_LANES);
    return ready.length ? ready : lanes.slice(0, 1);
  }

  private keyOf(lane: Lane, maxKeys: number): string {
    return JSON.stringify([lane.p, lane.d ?? 0, lane.t ?? '', lane.a ?? '', lane.u ?? '', maxKeys]);
  }

  private fetch(lane: Lane, maxKeys: number): Promise<ListCallResult> {
    const key = this.keyOf(lane, maxKeys);
    let pending = this.ahead.get(key);
    if (!pending) {
      pending = this.call({ prefix: lane.p, ...(lane.d ? { delimiter: DELIMITER } : {}), ...(lane.t ? { token: lane.t } : lane.a !== undefined ? { startAfter: lane.a } : {}), maxKeys });
      // a page fetched ahead that fails is fetched again when its lane's turn comes
      pending.catch(() => this.ahead.delete(key));
      this.ahead.set(key, pending);
    }
    return pending;
  }
}
