/**
 * MySQL/MariaDB's catalog for `init`, from information_schema: every char/varchar/text and JSON
 * column of every base table in the URL's database (or, with none named, every non-system schema).
 * MySQL has no arrays. MariaDB's JSON is LONGTEXT with a json_valid() check, found through
 * CHECK_CONSTRAINTS.
 *
 * There is no TABLESAMPLE, and ORDER BY RAND() reads and sorts the whole table. A big table's
 * counting pass instead reads SAMPLE_WINDOWS key ranges spread evenly between MIN and MAX of an
 * integer primary key (index range scans, each bounded by LIMIT), so old and new rows are both
 * seen; a table without one reads its first rows in clustered-index order (bounded, but biased
 * towards the oldest rows). LIMIT … OFFSET at several offsets was rejected: each offset reads and
 * throws away every row before it.
 */
import type mysql from 'mysql2';
import type { SourceConfig } from '../../config/schema.js';
import { wrapped, type SqlDialect } from '../sql.js';
import type { CandidateColumn, Catalog, ColumnKind, CountPass, SampledValue } from '../types.js';
import { run } from './session.js';

const SYSTEM_SCHEMAS = "('mysql', 'information_schema', 'performance_schema', 'sys')";
const schemaFilter = `CASE WHEN DATABASE() IS NULL THEN c.TABLE_SCHEMA NOT IN ${SYSTEM_SCHEMAS} ELSE c.TABLE_SCHEMA = DATABASE() END`;

const COLUMNS_SQL = `
  SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, c.COLUMN_NAME AS c, c.COLUMN_TYPE AS type, c.DATA_TYPE AS data_type,
         c.COLUMN_KEY AS col_key, c.PRIVILEGES AS privileges, COALESCE(t.TABLE_ROWS, 0) AS est,
         COALESCE(c.TABLE_SCHEMA = DATABASE(), 0) AS in_default
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
  WHERE t.TABLE_TYPE = 'BASE TABLE' AND ${schemaFilter}
  ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION`;

const PRIMARY_KEYS_SQL = `
  SELECT c.TABLE_SCHEMA AS s, c.TABLE_NAME AS t, MIN(c.COLUMN_NAME) AS c
  FROM information_schema.STATISTICS c
  WHERE c.INDEX_NAME = 'PRIMARY' AND ${schemaFilter}
  GROUP BY c.TABLE_SCHEMA, c.TABLE_NAME
  HAVING COUNT(*) = 1`;

/** MariaDB only: MySQL's CHECK_CONSTRAINTS has no TABLE_NAME (and MySQL has a real JSON type). */
const MARIADB_JSON_SQL = `
  SELECT c.CONSTRAINT_SCHEMA AS s, c.TABLE_NAME AS t, c.CHECK_CLAUSE AS clause
  FROM information_schema.CHECK_CONSTRAINTS c
  WHERE c.CHECK_CLAUSE LIKE 'json\\_valid(%' AND ${schemaFilter.replace(/c\.TABLE_SCHEMA/g, 'c.CONSTRAINT_SCHEMA')}`;

const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext']);
const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const TITLE_NAMES = ['title', 'name'];
/** Key ranges a big table's counting pass reads. */
export const SAMPLE_WINDOWS = 10;

interface Row {
  s: string;
  t: string;
  c: string;
  type: string;
  data_type: string;
  col_key: string;
  privileges: string;
  est: string | number;
  in_default: string | number;
}

export const tableKey = (schema: string, table: string): string => JSON.stringify([schema, table]);

export function kindOf(dataType: string, json: boolean): ColumnKind | undefined {
  const t = dataType.toLowerCase();
  if (t === 'json' || json) return 'json';
  return STRING_TYPES.has(t) ? 'string' : undefined;
}

/** The columns of one table that json_valid() checks, from clauses like "json_valid(`data`)". */
function jsonColumns(rows: Array<{ s: string; t: string; clause: string }>): Set<string> {
  const out = new Set<string>();
  for (const r of rows) {
    const m = /^json_valid\(`((?:[^`]|``)+)`\)$/i.exec(r.clause.trim());
    if (m?.[1]) out.add(JSON.stringify([r.s, r.t, m[1].replace(/``/g, '`')]));
  }
  return out;
}

async function candidateColumns(conn: mysql.Connection, mariadb: boolean): Promise<CandidateColumn[]> {
  const rows = (await run<Row>(conn, COLUMNS_SQL)).rows;
  const keys = new Map((await run<{ s: string; t: string; c: string }>(conn, PRIMARY_KEYS_SQL)).rows.map((r) => [tableKey(r.s, r.t), r.c]));
  const json = mariadb ? jsonColumns((await run<{ s: string; t: string; clause: string }>(conn, MARIADB_JSON_SQL)).rows) : new Set<string>();
  const kind = (r: Row) => kindOf(r.data_type, json.has(JSON.stringify([r.s, r.t, r.c])));
  const titles = new Map<string, string>();
  for (const r of rows) {
    const key = tableKey(r.s, r.t);
    if (TITLE_NAMES.includes(r.c.toLowerCase()) && !titles.has(key) && kind(r) === 'string') titles.set(key, r.c);
  }
  const out: CandidateColumn[] = [];
  for (const r of rows) {
    const k = kind(r);
    if (!k) continue;
    const key = tableKey(r.s, r.t);
    const primaryKey = keys.get(key);
    const titleColumn = titles.get(key);
    out.push({
      tableKey: key,
      schema: r.s,
      // a bare table name resolves to the URL's database
      defaultSchema: Number(r.in_default) === 1,
      table: r.t,
      column: r.c,
      type: r.type,
      kind: k,
      ...(primaryKey ? { primaryKey } : {}),
      ...(titleColumn && titleColumn !== r.c ? { titleColumn } : {}),
      estimatedRows: Number(r.est),
      // information_schema lists a column to anyone holding any privilege on it; reading needs SELECT
      readable: r.privileges.toLowerCase().split(',').includes('select'),
    });
  }
  return out;
}

/** `text REGEXP pattern`, case-insensitive on both engines (PCRE on MariaDB, ICU on MySQL 8). */
const matches = (expr: string): string => `CAST(${expr} AS CHAR) REGEXP CONCAT('(?i)', ?)`;

export function mysqlCatalog(conn: mysql.Connection, dialect: SqlDialect, mariadb: boolean): Catalog {
  const q = dialect.quote;
  const tableSql = (c: { schema: string; table: string }): string => `${q(c.schema)}.${q(c.table)}`;

  /** Evenly spaced lower bounds of an integer key between its MIN and MAX, or undefined. */
  async function windows(c: CandidateColumn): Promise<bigint[] | undefined> {
    if (!c.primaryKey) return undefined;
    const type = (await run<{ d: string }>(conn, 'SELECT DATA_TYPE AS d FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?', [c.schema, c.table, c.primaryKey])).rows[0]?.d;
    if (!type || !INTEGER_TYPES.has(type.toLowerCase())) return undefined;
    const pk = q(c.primaryKey);
    const range = (await run<{ lo: unknown; hi: unknown }>(conn, `SELECT MIN(${pk}) AS lo, MAX(${pk}) AS hi FROM ${tableSql(c)}`)).rows[0];
    if (range?.lo === null || range?.lo === undefined || range.hi === null || range.hi === undefined) return undefined;
    const lo = BigInt(String(range.lo));
    const span = BigInt(String(range.hi)) - lo + 1n;
    const n = BigInt(SAMPLE_WINDOWS);
    return Array.from({ length: SAMPLE_WINDOWS }, (_, i) => lo + (span * BigInt(i)) / n);
  }

  async function countRows(columns: CandidateColumn[], pattern: string, from: string, values: unknown[]): Promise<{ total: number; nonNull: number[]; hinted: number[] }> {
    const counts = columns.flatMap((c, i) => [`COUNT(${q(c.column)}) AS n${i}`, `COALESCE(SUM(${matches(q(c.column))}), 0) AS h${i}`]);
    const params = [...columns.map(() => pattern), ...values];
    const row = (await run<Record<string, unknown>>(conn, `SELECT COUNT(*) AS total, ${counts.join(', ')} FROM ${from}`, params)).rows[0] ?? {};
    return {
      total: Number(row.total ?? 0),
      nonNull: columns.map((_, i) => Number(row[`n${i}`] ?? 0)),
      hinted: columns.map((_, i) => Number(row[`h${i}`] ?? 0)),
    };
  }

  return {
    columns: () => candidateColumns(conn, mariadb),

    async countPass(columns: CandidateColumn[], pattern: string, fullScanRows: number): Promise<CountPass> {
      const first = columns[0]!;
      const cols = columns.map((c) => q(c.column)).join(', ');
      if (first.estimatedRows <= fullScanRows) {
        const all = await countRows(columns, pattern, tableSql(first), []);
        return { rowsScanned: all.total, nonNull: all.nonNull, hinted: all.hinted };
      }
      const bounds = await windows(first);
      const parts: Array<{ from: string; values: unknown[] }> = [];
      if (bounds) {
        const pk = q(first.primaryKey!);
        const per = Math.max(1, Math.floor(fullScanRows / bounds.length));
        bounds.forEach((lo, i) => {
          const hi = bounds[i + 1];
          const where = hi === undefined ? `${pk} >= ?` : `${pk} >= ? AND ${pk} < ?`;
          parts.push({
            from: `(SELECT ${cols} FROM ${tableSql(first)} WHERE ${where} ORDER BY ${pk} LIMIT ${per}) AS asset_audit_window`,
            values: hi === undefined ? [lo.toString()] : [lo.toString(), hi.toString()],
          });
        });
      } else {
        parts.push({ from: `(SELECT ${cols} FROM ${tableSql(first)} LIMIT ${Math.floor(fullScanRows)}) AS asset_audit_window`, values: [] });
      }
      const sum = { total: 0, nonNull: columns.map(() => 0), hinted: columns.map(() => 0) };
      for (const part of parts) {
        const r = await countRows(columns, pattern, part.from, part.values);
        sum.total += r.total;
        r.nonNull.forEach((n, i) => (sum.nonNull[i]! += n));
        r.hinted.forEach((n, i) => (sum.hinted[i]! += n));
      }
      const percent = Math.max(0.01, Math.min(100, (sum.total / first.estimatedRows) * 100));
      return { rowsScanned: sum.total, sampledPercent: percent, nonNull: sum.nonNull, hinted: sum.hinted };
    },

    async sample(column: CandidateColumn, limit: number, pattern?: string): Promise<SampledValue[]> {
      const col = q(column.column);
      const n = Math.max(0, Math.floor(limit));
      const sql =
        pattern === undefined
          ? `SELECT ${col} AS v, CAST(${col} AS CHAR) AS t FROM ${tableSql(column)} WHERE ${col} IS NOT NULL AND TRIM(CAST(${col} AS CHAR)) NOT IN ('', '""', '[]', '{}', 'null') LIMIT ${n}`
          : `SELECT ${col} AS v, CAST(${col} AS CHAR) AS t FROM ${tableSql(column)} WHERE ${matches(col)} LIMIT ${n}`;
      const rows = (await run<{ v: unknown; t: string }>(conn, sql, pattern === undefined ? [] : [pattern])).rows;
      return rows.map((r) => ({ value: r.v, text: String(r.t) }));
    },

    async resolveTable(schema: string | undefined, table: string): Promise<string | undefined> {
      // the server's own name matching (lower_case_table_names) decides, as when the source runs
      const rows = (
        await run<{ s: string; t: string }>(
          conn,
          "SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED')",
          [schema ?? null, table],
        )
      ).rows;
      const exact = rows.find((r) => r.t === table) ?? rows[0];
      return exact ? tableKey(exact.s, exact.t) : undefined;
    },

    async returnedTexts(source: SourceConfig, texts: string[]): Promise<string[]> {
      if (texts.length === 0) return [];
      // compared byte for byte (a _ci collation would call "A.jpg" and "a.jpg" equal); PAD SPACE
      // still ignores trailing spaces, so the exact texts are picked out here
      const ref = 'CAST(asset_audit_source.ref AS CHAR) COLLATE utf8mb4_bin';
      const sql = wrapped(source, dialect, `DISTINCT ${ref} AS t`, `WHERE ${ref} IN (${texts.map(() => '?').join(', ')})`);
      const wanted = new Set(texts);
      return (await run<{ t: string }>(conn, sql, texts)).rows.map((r) => String(r.t)).filter((t) => wanted.has(t));
    },
  };
}
