import type { Direction, Order, ScanSpec } from './store.js';
import type { EmulatorAsset } from './types.js';

/**
 * A deliberately small subset of the Search API's Lucene-like language: terms of the form
 * `field<op>value` joined by AND. Anything else (OR, NOT, grouping, free text, tags…) is
 * rejected with a 400 rather than silently matching too much — a too-broad match in an audit
 * tool would look like missing data.
 */
export class SearchSyntaxError extends Error {}

export interface SearchQuery {
  resourceType?: string;
  type?: string;
  minMs?: number;
  minInclusive: boolean;
  maxMs?: number;
  maxInclusive: boolean;
  pidPrefix?: string;
  predicates: Array<(a: EmulatorAsset) => boolean>;
}

type Op = ':' | '=' | '>' | '>=' | '<' | '<=';

interface Term {
  field: string;
  op: Op;
  /** For ranges, [low, high] with inclusivity; otherwise a single value. */
  value: string;
  wildcard: boolean;
  range?: { low: string; high: string; lowInc: boolean; highInc: boolean };
}

function tokenize(expr: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  const n = expr.length;
  const ws = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (i < n) {
    while (i < n && ws(expr[i])) i++;
    if (i >= n) break;
    const wordMatch = /^(AND|&&)(?=\s|$)/.exec(expr.slice(i));
    if (wordMatch) {
      i += wordMatch[0].length;
      continue;
    }
    const fieldMatch = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(expr.slice(i));
    const rest = fieldMatch ? expr.slice(i + fieldMatch[0].length) : '';
    const opMatch = /^(:>=|:<=|:>|:<|>=|<=|:|=|>|<)/.exec(rest);
    if (!fieldMatch || !opMatch) {
      const word = expr.slice(i).split(/\s/)[0] ?? '';
      throw new SearchSyntaxError(
        /^(OR|NOT|\|\||!)$/i.test(word) || word.startsWith('(') || word.startsWith('-')
          ? `Emulator search supports only AND-joined field terms; unsupported operator near "${word}"`
          : `Emulator search supports only field terms (field:value); unsupported term "${word}"`,
      );
    }
    const field = fieldMatch[0].toLowerCase();
    const op = opMatch[0].replace(/^:(?=[<>])/, '') as Op;
    i += fieldMatch[0].length + opMatch[0].length;
    const c = expr[i];
    if (c === '[' || c === '{') {
      // Lucene allows mixed brackets ([a TO b}) for half-open ranges.
      const rel = expr.slice(i).search(/[\]}]/);
      const end = rel < 0 ? -1 : i + rel;
      if (end < 0) throw new SearchSyntaxError(`Unterminated range for ${field}`);
      const inner = expr.slice(i + 1, end);
      const m = /^\s*(\S+)\s+TO\s+(\S+)\s*$/.exec(inner);
      if (!m) throw new SearchSyntaxError(`Invalid range for ${field}: ${expr.slice(i, end + 1)}`);
      terms.push({
        field,
        op,
        value: '',
        wildcard: false,
        range: { low: unquote(m[1] ?? ''), high: unquote(m[2] ?? ''), lowInc: c === '[', highInc: expr[end] === ']' },
      });
      i = end + 1;
      continue;
    }
    let value = '';
    let wildcard = false;
    if (c === '"') {
      i++;
      while (i < n && expr[i] !== '"') {
        if (expr[i] === '\\' && i + 1 < n) i++;
        value += expr[i];
        i++;
      }
      if (i >= n) throw new SearchSyntaxError(`Unterminated quote for ${field}`);
      i++;
      // A trailing unescaped * after the closing quote still means prefix.
      if (expr[i] === '*') {
        wildcard = true;
        i++;
      }
    } else {
      while (i < n && !ws(expr[i])) {
        if (expr[i] === '\\' && i + 1 < n) {
          value += expr[i + 1];
          i += 2;
          continue;
        }
        if (expr[i] === '*' && (i + 1 >= n || ws(expr[i + 1]))) {
          wildcard = true;
          i++;
          break;
        }
        value += expr[i];
        i++;
      }
    }
    if (value === '' && !wildcard) throw new SearchSyntaxError(`Missing value for ${field}`);
    terms.push({ field, op, value, wildcard });
  }
  return terms;
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

function parseDate(v: string, now: Date): number {
  const rel = /^(\d+)([hdwy])$/.exec(v);
  if (rel) return now.getTime() - Number(rel[1]) * (UNIT_MS[rel[2] ?? 'd'] ?? 0);
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw new SearchSyntaxError(`Invalid date value "${v}"`);
  return ms;
}

function parseSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(b|kb|mb|gb)?$/i.exec(v);
  if (!m) throw new SearchSyntaxError(`Invalid numeric value "${v}"`);
  const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Number(m[1]) * mult;
}

export function folderOf(publicId: string): string {
  const slash = publicId.lastIndexOf('/');
  return slash < 0 ? '' : publicId.slice(0, slash);
}

function filenameOf(a: EmulatorAsset): string {
  const base = a.public_id.slice(a.public_id.lastIndexOf('/') + 1);
  return a.resource_type === 'raw' ? base.replace(/\.[^.]*$/, '') : base;
}

function compareNum(op: Op, actual: number, wanted: number): boolean {
  switch (op) {
    case '>': return actual > wanted;
    case '>=': return actual >= wanted;
    case '<': return actual < wanted;
    case '<=': return actual <= wanted;
    default: return actual === wanted;
  }
}

export function parseSearchExpression(expression: string | undefined, now: Date): SearchQuery {
  const q: SearchQuery = { minInclusive: true, maxInclusive: true, predicates: [] };
  const never = (): boolean => false;
  const setMin = (ms: number, inclusive: boolean): void => {
    if (q.minMs === undefined || ms > q.minMs || (ms === q.minMs && !inclusive)) {
      q.minMs = ms;
      q.minInclusive = inclusive;
    }
  };
  const setMax = (ms: number, inclusive: boolean): void => {
    if (q.maxMs === undefined || ms < q.maxMs || (ms === q.maxMs && !inclusive)) {
      q.maxMs = ms;
      q.maxInclusive = inclusive;
    }
  };
  for (const t of tokenize(expression ?? '')) {
    const isEq = t.op === ':' || t.op === '=';
    switch (t.field) {
      case 'resource_type':
      case 'type': {
        if (!isEq || t.range || t.wildcard) throw new SearchSyntaxError(`${t.field} supports only equality`);
        const key = t.field === 'type' ? 'type' : 'resourceType';
        if (q[key] !== undefined && q[key] !== t.value) q.predicates.push(never);
        q[key] = t.value;
        break;
      }
      case 'created_at':
      case 'uploaded_at': {
        if (t.range) {
          if (t.range.low !== '*') setMin(parseDate(t.range.low, now), t.range.lowInc);
          if (t.range.high !== '*') setMax(parseDate(t.range.high, now), t.range.highInc);
          break;
        }
        const ms = parseDate(t.value, now);
        if (t.op === '>' || t.op === '>=') setMin(ms, t.op === '>=');
        else if (t.op === '<' || t.op === '<=') setMax(ms, t.op === '<=');
        else {
          setMin(ms, true);
          setMax(ms, true);
        }
        break;
      }
      case 'public_id': {
        if (!isEq || t.range) throw new SearchSyntaxError('public_id supports only equality or prefix*');
        if (t.wildcard) {
          if (q.pidPrefix === undefined || t.value.startsWith(q.pidPrefix)) q.pidPrefix = t.value;
          else if (!q.pidPrefix.startsWith(t.value)) q.predicates.push(never);
        } else {
          const v = t.value;
          q.predicates.push((a) => a.public_id === v);
        }
        break;
      }
      case 'folder':
      case 'asset_folder': {
        if (!isEq || t.range) throw new SearchSyntaxError(`${t.field} supports only equality or prefix/*`);
        const v = t.value.replace(/\/+$/, '');
        if (t.wildcard) {
          // folder:a/* means a and everything below it.
          q.predicates.push((a) => {
            const f = folderOf(a.public_id);
            return v === '' || f === v || f.startsWith(`${v}/`);
          });
        } else {
          q.predicates.push((a) => folderOf(a.public_id) === v);
        }
        break;
      }
      case 'format':
      case 'asset_id':
      case 'filename': {
        if (!isEq || t.range) throw new SearchSyntaxError(`${t.field} supports only equality`);
        const v = t.value;
        const get = t.field === 'filename' ? filenameOf : (a: EmulatorAsset): string => String(a[t.field as 'format' | 'asset_id']);
        q.predicates.push(t.wildcard ? (a) => get(a).startsWith(v) : (a) => get(a) === v);
        break;
      }
      case 'bytes':
      case 'width':
      case 'height': {
        const field = t.field;
        const num = (a: EmulatorAsset): number => a[field] ?? 0;
        if (t.range) {
          const { low, high, lowInc, highInc } = t.range;
          const lo = low === '*' ? -Infinity : parseSize(low);
          const hi = high === '*' ? Infinity : parseSize(high);
          q.predicates.push((a) => compareNum(lowInc ? '>=' : '>', num(a), lo) && compareNum(highInc ? '<=' : '<', num(a), hi));
        } else {
          const v = parseSize(t.value);
          const op = t.op;
          q.predicates.push((a) => compareNum(op, num(a), v));
        }
        break;
      }
      default:
        throw new SearchSyntaxError(`Emulator search does not support field "${t.field}"`);
    }
  }
  return q;
}

export interface SortSpec {
  order: Order;
  dir: Direction;
}

/** sort_by arrives as [{created_at: 'asc'}] from the SDK builder; the real default is created_at desc. */
export function parseSortBy(sortBy: unknown): SortSpec {
  if (sortBy === undefined || sortBy === null || (Array.isArray(sortBy) && sortBy.length === 0)) {
    return { order: 'created', dir: 'desc' };
  }
  const list = Array.isArray(sortBy) ? sortBy : [sortBy];
  if (list.length > 1) throw new SearchSyntaxError('Emulator search supports a single sort_by field');
  const entry = list[0] as unknown;
  if (typeof entry !== 'object' || entry === null) throw new SearchSyntaxError('Invalid sort_by');
  const pairs = Object.entries(entry as Record<string, unknown>);
  const [field, dirRaw] = pairs[0] ?? [];
  if (pairs.length !== 1 || typeof field !== 'string') throw new SearchSyntaxError('Invalid sort_by');
  const dir = String(dirRaw).toLowerCase();
  if (dir !== 'asc' && dir !== 'desc') throw new SearchSyntaxError(`Invalid sort direction "${String(dirRaw)}"`);
  if (field === 'created_at' || field === 'uploaded_at') return { order: 'created', dir };
  if (field === 'public_id') return { order: 'public_id', dir };
  throw new SearchSyntaxError(`Emulator search cannot sort by "${field}"`);
}

/** Turns a parsed query into a store scan: range bounds become binary searches, the rest filters. */
export function planSearch(q: SearchQuery, sort: SortSpec): Omit<ScanSpec, 'after' | 'limit'> {
  const filters = [...q.predicates];
  const spec: Omit<ScanSpec, 'after' | 'limit'> = { order: sort.order, dir: sort.dir, scope: '*' };
  if (q.resourceType !== undefined) {
    spec.scope = q.type !== undefined ? `${q.resourceType}/${q.type}` : q.resourceType;
  } else if (q.type !== undefined) {
    const type = q.type;
    filters.push((a) => a.type === type);
  }
  if (sort.order === 'created') {
    if (q.minMs !== undefined) {
      spec.minMs = q.minMs;
      spec.minInclusive = q.minInclusive;
    }
    if (q.maxMs !== undefined) {
      spec.maxMs = q.maxMs;
      spec.maxInclusive = q.maxInclusive;
    }
    if (q.pidPrefix !== undefined) {
      const p = q.pidPrefix;
      filters.push((a) => a.public_id.startsWith(p));
    }
  } else {
    if (q.pidPrefix !== undefined) spec.prefix = q.pidPrefix;
    const { minMs, maxMs, minInclusive, maxInclusive } = q;
    if (minMs !== undefined || maxMs !== undefined) {
      filters.push((a) => {
        const ms = Date.parse(a.created_at);
        if (minMs !== undefined && (minInclusive ? ms < minMs : ms <= minMs)) return false;
        if (maxMs !== undefined && (maxInclusive ? ms > maxMs : ms >= maxMs)) return false;
        return true;
      });
    }
  }
  if (filters.length === 1) spec.filter = filters[0];
  else if (filters.length > 1) spec.filter = (a) => filters.every((f) => f(a));
  return spec;
}
