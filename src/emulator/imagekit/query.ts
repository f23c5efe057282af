/**
 * The Lucene-like `searchQuery` of the List and Search Assets API, as far as the audit and its tests
 * use it: `field op value` terms joined by AND/OR with parentheses; operators `=` `:` `<` `<=` `>`
 * `>=` `IN` `NOT IN` `NOT =`; fields name, id, type, path, createdAt, updatedAt, size. Anything
 * else is a 400, as the real API answers a query it cannot parse.
 */
import { ApiError } from '../http-util.js';
import type { IkFile } from './store.js';

export type Predicate = (f: IkFile) => boolean;

type Token = { t: 'word' | 'str' | 'op' | '(' | ')' | '[' | ']' | ','; v: string };

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < q.length && q[j] !== '"') {
        if (q[j] === '\\' && j + 1 < q.length) j++;
        s += q[j];
        j++;
      }
      if (j >= q.length) throw new ApiError(400, 'Invalid search query: unterminated string');
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if ('()[],'.includes(c)) {
      out.push({ t: c as Token['t'], v: c });
      i++;
    } else if ('<>=:'.includes(c)) {
      const two = q.slice(i, i + 2);
      if (two === '<=' || two === '>=') {
        out.push({ t: 'op', v: two });
        i += 2;
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
    } else {
      const m = /^[^\s()[\],<>=:"]+/.exec(q.slice(i));
      if (!m) throw new ApiError(400, `Invalid search query near "${q.slice(i, i + 10)}"`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

const RELATIVE_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, m: 30 * 86_400_000, y: 365 * 86_400_000 };

/** ISO 8601 (date, or date and time, UTC unless it says otherwise) or relative (`7d`: seven days ago). */
function timeOf(v: string, now: number): number {
  const rel = /^(\d+)([hdwmy])$/.exec(v);
  if (rel) return now - Number(rel[1]) * RELATIVE_MS[rel[2]!]!;
  if (!/^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) throw new ApiError(400, `Invalid date "${v}" in search query`);
  const t = Date.parse(/T/.test(v) && !/(?:Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v}Z` : v);
  if (Number.isNaN(t)) throw new ApiError(400, `Invalid date "${v}" in search query`);
  return t;
}

function sizeOf(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(kb|mb|gb)?$/i.exec(v);
  if (!m) throw new ApiError(400, `Invalid size "${v}" in search query`);
  const unit = { kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? '').toLowerCase() as 'kb'] ?? 1;
  return Number(m[1]) * unit;
}

const folderOf = (f: IkFile): string => f.filePath.slice(0, f.filePath.lastIndexOf('/')) || '/';
const trimSlash = (p: string): string => (p.length > 1 ? p.replace(/\/+$/, '') : p);

function term(field: string, op: string, values: string[], now: number): Predicate {
  const one = values[0] ?? '';
  const compare = (get: (f: IkFile) => number, parse: (v: string) => number): Predicate => {
    const xs = values.map(parse);
    const x = xs[0]!;
    const set = new Set(xs);
    switch (op) {
      case '=': return (f) => get(f) === x;
      case 'NOT =': return (f) => get(f) !== x;
      case '<': return (f) => get(f) < x;
      case '<=': return (f) => get(f) <= x;
      case '>': return (f) => get(f) > x;
      case '>=': return (f) => get(f) >= x;
      case 'IN': return (f) => set.has(get(f));
      case 'NOT IN': return (f) => !set.has(get(f));
    }
    throw new ApiError(400, `Operator ${op} is not supported on ${field}`);
  };
  const text = (get: (f: IkFile) => string, ops: string[], norm: (s: string) => string = (s) => s): Predicate => {
    if (!ops.includes(op)) throw new ApiError(400, `Operator ${op} is not supported on ${field}`);
    const xs = new Set(values.map(norm));
    const x = norm(one);
    switch (op) {
      case '=': return (f) => get(f) === x;
      case 'NOT =': return (f) => get(f) !== x;
      case ':': return (f) => get(f).startsWith(x);
      case 'IN': return (f) => xs.has(get(f));
      default: return (f) => !xs.has(get(f));
    }
  };
  switch (field) {
    case 'createdAt': return compare((f) => f.createdAt, (v) => timeOf(v, now));
    case 'updatedAt': return compare((f) => f.updatedAt, (v) => timeOf(v, now));
    case 'size': return compare((f) => f.size, sizeOf);
    case 'name': return text((f) => f.name, ['=', ':', 'IN', 'NOT =', 'NOT IN']);
    case 'id': return text((f) => f.fileId, ['=', 'IN', 'NOT =', 'NOT IN']);
    case 'type': return text(() => 'file', ['=', 'IN', 'NOT =', 'NOT IN']);
    case 'path': {
      // `=` the folder itself, `:` the folder and its subfolders
      if (op === ':') {
        const p = trimSlash(one);
        return (f) => p === '/' || folderOf(f) === p || folderOf(f).startsWith(`${p}/`);
      }
      return text(folderOf, ['=', 'IN', 'NOT =', 'NOT IN'], trimSlash);
    }
  }
  throw new ApiError(400, `Unknown field "${field}" in search query`);
}

/** Parses a searchQuery into a predicate over files; `now` anchors relative dates. */
export function parseSearchQuery(q: string, now: number): Predicate {
  const toks = tokenize(q);
  let i = 0;
  const peek = () => toks[i];
  const word = (v: string) => peek()?.t === 'word' && peek()!.v.toUpperCase() === v;

  const primary = (): Predicate => {
    if (peek()?.t === '(') {
      i++;
      const p = or();
      if (peek()?.t !== ')') throw new ApiError(400, 'Invalid search query: missing )');
      i++;
      return p;
    }
    const f = toks[i++];
    if (!f || (f.t !== 'word' && f.t !== 'str')) throw new ApiError(400, 'Invalid search query: field expected');
    let op: string;
    if (word('NOT')) {
      i++;
      const next = toks[i++];
      if (next?.t === 'op' && next.v === '=') op = 'NOT =';
      else if (next?.t === 'word' && next.v.toUpperCase() === 'IN') op = 'NOT IN';
      else throw new ApiError(400, 'Invalid search query: NOT must be followed by = or IN');
    } else if (word('IN')) {
      i++;
      op = 'IN';
    } else {
      const o = toks[i++];
      if (o?.t !== 'op') throw new ApiError(400, `Invalid search query: operator expected after ${f.v}`);
      op = o.v;
    }
    const values: string[] = [];
    if (op === 'IN' || op === 'NOT IN') {
      if (toks[i++]?.t !== '[') throw new ApiError(400, 'Invalid search query: [ expected');
      while (peek() && peek()!.t !== ']') {
        const v = toks[i++]!;
        if (v.t === ',') continue;
        if (v.t !== 'str' && v.t !== 'word') throw new ApiError(400, 'Invalid search query: value expected');
        values.push(v.v);
      }
      if (toks[i++]?.t !== ']') throw new ApiError(400, 'Invalid search query: ] expected');
    } else {
      const v = toks[i++];
      if (!v || (v.t !== 'str' && v.t !== 'word')) throw new ApiError(400, 'Invalid search query: value expected');
      values.push(v.v);
    }
    return term(f.v, op, values, nowMs);
  };
  const and = (): Predicate => {
    let p = primary();
    while (word('AND')) {
      i++;
      const a = p;
      const b = primary();
      p = (f) => a(f) && b(f);
    }
    return p;
  };
  const or = (): Predicate => {
    let p = and();
    while (word('OR')) {
      i++;
      const a = p;
      const b = and();
      p = (f) => a(f) || b(f);
    }
    return p;
  };
  const nowMs = now;
  const p = or();
  if (i < toks.length) throw new ApiError(400, `Invalid search query near "${toks[i]!.v}"`);
  return p;
}
