/**
 * DATABASE_URL → a reader. The scheme picks the engine: `postgres:`/`postgresql:`,
 * `mysql:`/`mariadb:`, `sqlite:` (`sqlite:///abs/path.db`, `sqlite:relative.db`) and `file:`
 * paths. Each engine parses the rest of its URL itself.
 */
import { usageError } from '../errors.js';
import { mysqlEngine } from './mysql/index.js';
import { postgresEngine } from './postgres/index.js';
import { sqliteEngine } from './sqlite/index.js';
import type { DatabaseTarget, Engine, OpenOptions, ReferenceReader } from './types.js';

export const ENGINES: readonly Engine[] = [postgresEngine, mysqlEngine, sqliteEngine];

const examples = (): string => ENGINES.map((e) => e.example).join(', ');

/** Parses DATABASE_URL (or the variable named by `variable`) without connecting. */
export function parseDatabaseUrl(value: string | undefined, env: NodeJS.ProcessEnv = process.env, variable = 'DATABASE_URL'): DatabaseTarget {
  if (!value || value.trim() === '') throw usageError(`${variable} is not set. Set it to the application's database, e.g. ${examples()}.`);
  const text = value.trim();
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  const engine = ENGINES.find((e) => scheme !== undefined && e.schemes.includes(scheme));
  if (!engine) {
    const known = ENGINES.flatMap((e) => e.schemes.map((s) => `${s}:`)).join(', ');
    throw usageError(`${variable} must start with one of ${known} (got ${scheme ? `${scheme}:` : 'no scheme'}). For example ${examples()}.`);
  }
  return engine.parse(text, env);
}

export async function openDatabase(value: string | undefined, options: OpenOptions, env: NodeJS.ProcessEnv = process.env): Promise<ReferenceReader> {
  return parseDatabaseUrl(value, env).open(options);
}
