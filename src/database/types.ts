/**
 * The seam between the audit and the user's database. A reader is one read-only connection holding
 * one consistent snapshot: every source and every catalog query of a run sees the same data, and
 * nothing a reader runs can write. Each engine (postgres/, mysql/, sqlite/) implements it; the rest
 * of the code never names an engine, only reads `capabilities`.
 */
import type { SourceConfig } from '../config/schema.js';
import type { AuditError } from '../errors.js';
import type { SqlDialect } from './sql.js';

export type Dialect = 'postgres' | 'mysql' | 'sqlite';

/** One row of a source as a plain object: column name → value as the driver decodes it. */
export type SourceRow = Record<string, unknown>;

export interface ReaderCapabilities {
  /** Columns may hold native arrays (Postgres `text[]`); elsewhere arrays arrive as JSON text. */
  readonly arrays: boolean;
  /** The engine can read a fraction of a big table cheaply (TABLESAMPLE). */
  readonly tableSample: boolean;
}

export interface OpenOptions {
  /** Per statement; a statement running longer fails as a database error naming the setting. */
  statementTimeoutSeconds: number;
}

export interface ReadOnlyState {
  /** True only when the engine itself refuses writes in this session. */
  readOnly: boolean;
  /** One line for `doctor`: how read-only is enforced (or why it is not). */
  detail: string;
}

export interface ReferenceReader {
  readonly dialect: Dialect;
  /** host:port/db or a file path, never credentials: safe in any message. */
  readonly label: string;
  readonly capabilities: ReaderCapabilities;
  /** How this engine quotes identifiers and literals (for `sourceSql`). */
  readonly sql: SqlDialect;
  /**
   * Runs the source with no rows and returns its column names. A source without a `ref` column,
   * or with several statements, is a config error (exit 2); a failing statement a database error.
   */
  probe(source: SourceConfig): Promise<string[]>;
  /** Every row of the source, streamed (bounded memory), from the reader's snapshot. */
  stream(source: SourceConfig): AsyncIterable<SourceRow>;
  /** How many rows the source returns (doctor). */
  count(source: SourceConfig): Promise<number>;
  /** Runs `fn` so that its failure leaves the snapshot usable for what follows (a savepoint in Postgres). */
  isolate<T>(fn: () => Promise<T>): Promise<Isolated<T>>;
  readOnlyState(): Promise<ReadOnlyState>;
  /** This engine's error as one line that names what to check (`source`: the source it came from). */
  error(err: unknown, source?: string): AuditError;
  /** Tables, columns and samples for `init`; read through the same snapshot. */
  readonly catalog: Catalog;
  /** Ends the transaction and the connection; safe to call twice. */
  close(): Promise<void>;
}

/** `error`: a short reason ("timed out (raise --timeout)"); `cause`: the failure itself. */
export type Isolated<T> = { ok: true; value: T } | { ok: false; error: string; cause: unknown };

/** How a column can hold references. */
export type ColumnKind = 'string' | 'json' | 'array';

export interface CandidateColumn {
  /** The engine's stable key of the table (Postgres: its oid), equal for every column of one table. */
  tableKey: string;
  /** Postgres/MySQL schema (database), SQLite `main`. */
  schema: string;
  /** Whether a bare table name resolves to this schema (Postgres `public`, SQLite `main`, MySQL the URL's database). */
  defaultSchema: boolean;
  table: string;
  column: string;
  /** As the engine names the type: `text`, `character varying(255)`, `jsonb`, `text[]`, `varchar(100)`. */
  type: string;
  kind: ColumnKind;
  /** The single-column primary key of the table, if it has one. */
  primaryKey?: string;
  /** A `title` / `name` column of the table, to label records in reports. */
  titleColumn?: string;
  /** The engine's estimate (or an exact count where that is cheap), for messages and sampling. */
  estimatedRows: number;
  /** False when this role may not read the column: detect could not read it either. */
  readable: boolean;
}

/** A stored value as detect would read it, with its text form to compare with a source's `ref`. */
export interface SampledValue {
  value: unknown;
  text: string;
}

export interface CountPass {
  /** Rows read (all, or a sample of a big table). */
  rowsScanned: number;
  /** Percentage of the table read, when only a sample was. */
  sampledPercent?: number;
  /** Per column, in the order asked: non-null values, and values matching the hint pattern. */
  nonNull: number[];
  hinted: number[];
}

export interface Catalog {
  /** Every string, JSON and string-array column of every user table. */
  columns(): Promise<CandidateColumn[]>;
  /**
   * One pass over a table (or a sample of it when over `fullScanRows`) counting non-null values
   * and values matching `pattern` (a case-insensitive regular expression) per column.
   */
  countPass(columns: CandidateColumn[], pattern: string, fullScanRows: number): Promise<CountPass>;
  /** Up to `limit` distinct non-empty values of a column; with `pattern`, only values matching it. */
  sample(column: CandidateColumn, limit: number, pattern?: string): Promise<SampledValue[]>;
  /** The table key a `table` source names, resolved as the engine would when the source runs. */
  resolveTable(schema: string | undefined, table: string): Promise<string | undefined>;
  /** Which of `texts` the source returns, unchanged, in its `ref` column (compared as text). */
  returnedTexts(source: SourceConfig, texts: string[]): Promise<string[]>;
}

/** A parsed DATABASE_URL: what it names, and how to open it. Holds credentials; never print it. */
export interface DatabaseTarget {
  readonly dialect: Dialect;
  readonly label: string;
  /** Settings worth showing in `doctor` (sslmode, file mode…), without credentials. */
  readonly summary: string;
  open(options: OpenOptions): Promise<ReferenceReader>;
}

/** One engine in the registry: the URL schemes it answers to and how it parses them. */
export interface Engine {
  readonly dialect: Dialect;
  /** Schemes without the colon: `postgres`, `postgresql`. */
  readonly schemes: readonly string[];
  /** The form of URL to suggest in messages. */
  readonly example: string;
  parse(value: string, env: NodeJS.ProcessEnv): DatabaseTarget;
}
