/**
 * Which columns of the user's database could hold a reference: every string, json/jsonb and
 * string-array column of every ordinary user table (not system schemas, not tables an extension
 * owns, not partitions — their parent is read instead), with the table's primary key.
 */
import type pg from 'pg';

export type ColumnKind = 'string' | 'json' | 'array';

export interface CandidateColumn {
  relid: number;
  schema: string;
  table: string;
  column: string;
  /** As Postgres names the type: `text`, `character varying(255)`, `jsonb`, `text[]`. */
  type: string;
  kind: ColumnKind;
  /** The single-column primary key of the table, if it has one. */
  primaryKey?: string;
  /** A `title` / `name` column of the table, to label records in reports. */
  titleColumn?: string;
  /** The planner's estimate, for messages only. */
  estimatedRows: number;
  /** False when this role may not SELECT the column: detect could not read it either. */
  readable: boolean;
}

const COLUMNS_SQL = `
  WITH cols AS (
    SELECT c.oid::int AS relid, n.nspname AS schema, c.relname AS "table", a.attname AS "column", a.attnum,
           format_type(a.atttypid, a.atttypmod) AS type,
           COALESCE(NULLIF(t.typbasetype, 0), t.oid) AS base_oid,
           GREATEST(c.reltuples, 0)::bigint AS estimated_rows
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND a.attnum > 0 AND NOT a.attisdropped
      AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  )
  SELECT cols.relid, cols.schema, cols."table", cols."column", cols.type, cols.estimated_rows,
         bt.typname AS base, bt.typcategory AS category, et.typname AS elem, et.typcategory AS elem_category,
         has_column_privilege(cols.relid::oid, cols.attnum, 'SELECT') AS readable
  FROM cols
  JOIN pg_type bt ON bt.oid = cols.base_oid
  LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typcategory = 'A'
  ORDER BY cols.schema, cols."table", cols.attnum`;

const PRIMARY_KEYS_SQL = `
  SELECT i.indrelid::int AS relid, a.attname AS "column"
  FROM pg_index i
  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
  WHERE i.indisprimary AND i.indnatts = 1`;

const TITLE_NAMES = ['title', 'name'];

interface Row {
  relid: number;
  schema: string;
  table: string;
  column: string;
  type: string;
  estimated_rows: string;
  base: string;
  category: string;
  elem: string | null;
  elem_category: string | null;
  readable: boolean;
}

/** String types hold references; `name` is Postgres' own identifier type, never user data. */
function isStringType(name: string | null, category: string | null): boolean {
  return category === 'S' && name !== 'name';
}

export function kindOf(base: string, category: string, elem: string | null, elemCategory: string | null): ColumnKind | undefined {
  if (base === 'json' || base === 'jsonb') return 'json';
  if (isStringType(base, category)) return 'string';
  if (category === 'A' && (isStringType(elem, elemCategory) || elem === 'json' || elem === 'jsonb')) return 'array';
  return undefined;
}

export async function candidateColumns(client: pg.Client): Promise<CandidateColumn[]> {
  const rows = (await client.query<Row>(COLUMNS_SQL)).rows;
  const keys = new Map((await client.query<{ relid: number; column: string }>(PRIMARY_KEYS_SQL)).rows.map((r) => [r.relid, r.column]));
  const titles = new Map<number, string>();
  for (const r of rows) {
    if (TITLE_NAMES.includes(r.column.toLowerCase()) && !titles.has(r.relid) && kindOf(r.base, r.category, r.elem, r.elem_category) === 'string') {
      titles.set(r.relid, r.column);
    }
  }
  const out: CandidateColumn[] = [];
  for (const r of rows) {
    const kind = kindOf(r.base, r.category, r.elem, r.elem_category);
    if (!kind) continue;
    const primaryKey = keys.get(r.relid);
    const titleColumn = titles.get(r.relid);
    out.push({
      relid: r.relid,
      schema: r.schema,
      table: r.table,
      column: r.column,
      type: r.type,
      kind,
      ...(primaryKey ? { primaryKey } : {}),
      ...(titleColumn && titleColumn !== r.column ? { titleColumn } : {}),
      estimatedRows: Number(r.estimated_rows),
      readable: r.readable,
    });
  }
  return out;
}

export const qualifiedName = (c: { schema: string; table: string; column: string }): string => `${c.schema}.${c.table}.${c.column}`;
