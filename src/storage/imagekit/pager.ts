/**
 * An exact listing over ImageKit's skip/limit pagination. Plain `skip` paging (sort=ASC_CREATED)
 * shifts when files are deleted during a scan: every file after a deleted one moves one place
 * forward, and the one that crosses the page boundary is never listed. So pages are anchored by
 * createdAt instead: each page asks for `createdAt >= S` (S: the whole second of the last file
 * listed) from skip 0, and drops the files already listed in that second (`tail`, by fileId).
 * Files of earlier seconds are never asked for again; deletions cannot move an unlisted file
 * behind the anchor, and every file is handed on exactly once.
 *
 * Only when a whole page shares one second (a bulk import) does `skip` return, within that
 * second: the page then starts OVERLAP files early and must begin with a file already listed;
 * if it does not (more deletions than the overlap), the skip backs off towards 0, where nothing
 * can have been passed over. New files (createdAt now) arrive at the end and are listed too.
 */
export interface ApiFile {
  fileId: string;
  filePath: string;
  createdAt: string;
  [k: string]: unknown;
}

export interface PagerState {
  /** The anchor: ms of a whole second; absent before the first page of an unbounded listing. */
  s?: number;
  /** fileIds already handed on with createdAt in the anchor's second. */
  tail: string[];
  /** Within the anchor's second only (a page that did not leave it). */
  skip: number;
}

/** Files a tie page re-reads to prove nothing slid past it. */
export const OVERLAP = 50;

export type FetchPage = (q: { searchQuery?: string; skip: number; limit: number }) => Promise<ApiFile[]>;

const second = (ms: number): number => Math.floor(ms / 1000) * 1000;
const createdMs = (f: ApiFile): number => {
  const t = Date.parse(f.createdAt);
  if (Number.isNaN(t)) throw new Error(`a file without a valid createdAt (${f.fileId})`);
  return t;
};
/** ISO 8601 with an explicit UTC designator, to the second (the search's precision). */
export const isoSecond = (ms: number): string => new Date(second(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');

export const encodeCursor = (s: PagerState): string => Buffer.from(JSON.stringify(s)).toString('base64url');

export function decodeCursor(c: string): PagerState {
  const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as PagerState;
  if (!Array.isArray(v.tail) || typeof v.skip !== 'number' || (v.s !== undefined && typeof v.s !== 'number')) throw new Error('not an ImageKit listing cursor');
  return v;
}

/**
 * One page of an exact listing of `clauses` (ANDed searchQuery terms), files created at or after
 * `since` only. `next` is absent when the listing is complete.
 */
export async function nextPage(fetch: FetchPage, clauses: readonly string[], since: number | undefined, state: PagerState | undefined, limit: number): Promise<{ files: ApiFile[]; next?: PagerState }> {
  const st: PagerState = state ?? { s: since === undefined ? undefined : second(since), tail: [], skip: 0 };
  const seen = new Set(st.tail);
  let skip = st.skip;
  let page: ApiFile[];
  for (;;) {
    const terms = [...clauses, ...(st.s === undefined ? [] : [`createdAt >= "${isoSecond(st.s)}"`])];
    page = await fetch({ searchQuery: terms.length ? terms.join(' AND ') : undefined, skip, limit });
    // a page that starts past every listed file may have passed over an unlisted one: back off
    if (skip === 0 || (page.length > 0 && seen.has(page[0]!.fileId))) break;
    skip = Math.max(0, skip - (limit - OVERLAP));
  }
  const files = page.filter((f) => !seen.has(f.fileId) && (since === undefined || createdMs(f) >= since));
  if (page.length < limit) return { files };
  const last = second(createdMs(page[page.length - 1]!));
  if (st.s === undefined || last > st.s) {
    return { files, next: { s: last, tail: page.filter((f) => second(createdMs(f)) === last).map((f) => f.fileId), skip: 0 } };
  }
  // the whole page is in the anchor's second
  return { files, next: { s: st.s, tail: [...st.tail, ...files.map((f) => f.fileId)], skip: Math.max(0, skip + page.length - OVERLAP) } };
}
