/**
 * Postgres' catalog for `init`: every string, json/jsonb and string-array column of every ordinary
 * user table (not system schemas, not tables an extension owns, not partitions — their parent is
 * read instead), with the table's primary key; counting passes over a TABLESAMPLE of big tables.
 */
import type pg from 'pg';
import type { SourceConfig } from '../../config/schema.js';
import { wrapped, type SqlDialect } from '../sql.js';
import type { CandidateColumn, Catalog, ColumnKind, CountPass, SampledValue } from '../types.js';
import { run } from './session.js';

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

async function candidateColumns(client: pg.Client): Promise<CandidateColumn[]> {
  const rows = (await run<Row>(client, COLUMNS_SQL)).rows;
  const keys = new Map((await run<{ relid: number; column: string }>(client, PRIMARY_KEYS_SQL)).rows.map((r) => [r.relid, r.column]));
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
      tableKey: String(r.relid),
      schema: r.schema,
      defaultSchema: r.schema === 'public',
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

export function postgresCatalog(client: pg.Client, dialect: SqlDialect): Catalog {
  const q = dialect.quote;
  const tableSql = (c: { schema: string; table: string }): string => `${q(c.schema)}.${q(c.table)}`;
  return {
    columns: () => candidateColumns(client),

    async countPass(columns: CandidateColumn[], pattern: string, fullScanRows: number): Promise<CountPass> {
      const first = columns[0]!;
      const big = first.estimatedRows > fullScanRows;
      const percent = big ? Math.max(0.01, Math.min(100, (fullScanRows / first.estimatedRows) * 100)) : undefined;
      const from = percent === undefined ? tableSql(first) : `${tableSql(first)} TABLESAMPLE SYSTEM (${percent.toFixed(4)})`;
      const counts = columns.flatMap((c, i) => [`count(${q(c.column)}) AS n${i}`, `count(*) FILTER (WHERE ${q(c.column)}::text ~* $1) AS h${i}`]);
      const row = (await run(client, `SELECT count(*) AS total, ${counts.join(', ')} FROM ${from}`, [pattern])).rows[0] as Record<string, string>;
      return {
        rowsScanned: Number(row.total),
        ...(percent !== undefined ? { sampledPercent: percent } : {}),
        nonNull: columns.map((_, i) => Number(row[`n${i}`])),
        hinted: columns.map((_, i) => Number(row[`h${i}`])),
      };
    },

    async sample(column: CandidateColumn, limit: number, pattern?: string): Promise<SampledValue[]> {
      const col = q(column.column);
      const sql =
        pattern === undefined
          ? `SELECT ${col} AS v, ${col}::text AS t FROM ${tableSql(column)} WHERE ${col} IS NOT NULL AND btrim(${col}::text) NOT IN ('', '""', '[]', '{}', 'null') LIMIT $1`
          : `SELECT ${col} AS v, ${col}::text AS t FROM ${tableSql(column)} WHERE ${col}::text ~* $2 LIMIT $1`;
      const rows = (await run<{ v: unknown; t: string }>(client, sql, pattern === undefined ? [limit] : [limit, pattern])).rows;
      return rows.map((r) => ({ value: r.v, text: r.t }));
    },

    async resolveTable(schema: string | undefined, table: string): Promise<string | undefined> {
      const name = schema ? `${q(schema)}.${q(table)}` : q(table);
      // to_regclass: the search_path and quoting decide, as when detect runs the source
      const oid = (await run<{ oid: number | null }>(client, 'SELECT to_regclass($1)::oid::int AS oid', [name])).rows[0]?.oid ?? null;
      return oid === null ? undefined : String(oid);
    },

    async returnedTexts(source: SourceConfig, texts: string[]): Promise<string[]> {
      const sql = wrapped(source, dialect, 'DISTINCT asset_audit_source.ref::text AS t', 'WHERE asset_audit_source.ref::text = ANY($1::text[])');
      return (await run<{ t: string }>(client, sql, [texts])).rows.map((r) => r.t);
    },
  };
}
