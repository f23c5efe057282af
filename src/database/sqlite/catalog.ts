/**
 * SQLite's catalog for `init`: `sqlite_master` and `pragma_table_info`. Types are declared, not
 * enforced: TEXT affinity (CHAR, CLOB, TEXT) or no declared type is a string column, a declared
 * JSON type or a `json_valid(col)` check (Django's JSONField) a JSON column. No TABLESAMPLE: a big
 * table's counting pass reads its first rows.
 */
import type Database from 'better-sqlite3';
import type { SourceConfig } from '../../config/schema.js';
import { wrapped, type SqlDialect } from '../sql.js';
import type { CandidateColumn, Catalog, ColumnKind, CountPass, SampledValue } from '../types.js';
import { plainRow } from './rows.js';

const TITLE_NAMES = ['title', 'name'];

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
}

export function sqliteKind(declared: string, column: string, tableSql: string): ColumnKind | undefined {
  const type = declared.toUpperCase();
  const checked = new RegExp(`json_valid\\s*\\(\\s*["\`[]?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["\`\\]]?\\s*\\)`, 'i').test(tableSql);
  if (type.includes('JSON') || checked) return 'json';
  if (type === '' || /CHAR|CLOB|TEXT/.test(type)) return 'string';
  return undefined;
}

export function sqliteCatalog(db: Database.Database, dialect: SqlDialect): Catalog {
  const q = dialect.quote;
  const tableSql = (c: { schema: string; table: string }): string => `${q(c.schema)}.${q(c.table)}`;
  return {
    async columns(): Promise<CandidateColumn[]> {
      const tables = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name`).all() as Array<{ name: string; sql: string | null }>;
      const out: CandidateColumn[] = [];
      for (const t of tables) {
        const info = db.prepare('SELECT name, type, pk FROM pragma_table_info(?)').all(t.name) as ColumnInfo[];
        const keys = info.filter((c) => c.pk > 0);
        const primaryKey = keys.length === 1 ? keys[0]!.name : undefined;
        const rows = Number((db.prepare(`SELECT count(*) AS n FROM ${tableSql({ schema: 'main', table: t.name })}`).get() as { n: number }).n);
        const kinds = info.map((c) => sqliteKind(c.type, c.name, t.sql ?? ''));
        const title = info.find((c, i) => TITLE_NAMES.includes(c.name.toLowerCase()) && kinds[i] === 'string')?.name;
        info.forEach((c, i) => {
          const kind = kinds[i];
          if (!kind) return;
          out.push({
            tableKey: `main.${t.name}`,
            schema: 'main',
            defaultSchema: true,
            table: t.name,
            column: c.name,
            type: c.type || '(none)',
            kind,
            ...(primaryKey ? { primaryKey } : {}),
            ...(title && title !== c.name ? { titleColumn: title } : {}),
            estimatedRows: rows,
            readable: true,
          });
        });
      }
      return out;
    },

    async countPass(columns: CandidateColumn[], pattern: string, fullScanRows: number): Promise<CountPass> {
      const first = columns[0]!;
      const big = first.estimatedRows > fullScanRows;
      const cols = columns.map((c) => q(c.column)).join(', ');
      const from = big ? `(SELECT ${cols} FROM ${tableSql(first)} LIMIT ${Math.floor(fullScanRows)})` : tableSql(first);
      const counts = columns.flatMap((c, i) => [`count(${q(c.column)}) AS n${i}`, `count(CASE WHEN CAST(${q(c.column)} AS TEXT) REGEXP ? THEN 1 END) AS h${i}`]);
      const row = db.prepare(`SELECT count(*) AS total, ${counts.join(', ')} FROM ${from}`).get(...columns.map(() => pattern)) as Record<string, number>;
      return {
        rowsScanned: Number(row.total),
        ...(big ? { sampledPercent: Math.min(100, (fullScanRows / first.estimatedRows) * 100) } : {}),
        nonNull: columns.map((_, i) => Number(row[`n${i}`])),
        hinted: columns.map((_, i) => Number(row[`h${i}`])),
      };
    },

    async sample(column: CandidateColumn, limit: number, pattern?: string): Promise<SampledValue[]> {
      const col = q(column.column);
      const text = `CAST(${col} AS TEXT)`;
      const stmt =
        pattern === undefined
          ? db.prepare(`SELECT ${col} AS v, ${text} AS t FROM ${tableSql(column)} WHERE ${col} IS NOT NULL AND trim(${text}) NOT IN ('', '""', '[]', '{}', 'null') LIMIT ?`)
          : db.prepare(`SELECT ${col} AS v, ${text} AS t FROM ${tableSql(column)} WHERE ${text} REGEXP ? LIMIT ?`);
      const rows = (pattern === undefined ? stmt.all(limit) : stmt.all(pattern, limit)) as Array<{ v: unknown; t: string }>;
      return rows.map((r) => ({ value: plainRow({ v: r.v }).v, text: r.t }));
    },

    async resolveTable(schema: string | undefined, table: string): Promise<string | undefined> {
      if (schema !== undefined && schema.toLowerCase() !== 'main') return undefined;
      const row = db.prepare(`SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = ? COLLATE NOCASE`).get(table) as { name: string } | undefined;
      return row ? `main.${row.name}` : undefined;
    },

    async returnedTexts(source: SourceConfig, texts: string[]): Promise<string[]> {
      const sql = wrapped(source, dialect, 'DISTINCT CAST(asset_audit_source.ref AS TEXT) AS t', 'WHERE CAST(asset_audit_source.ref AS TEXT) IN (SELECT value FROM json_each(?))');
      return (db.prepare(sql).all(JSON.stringify(texts)) as Array<{ t: string }>).map((r) => r.t);
    },
  };
}
