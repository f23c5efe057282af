/** Sources as SQL: one statement, quoted identifiers per dialect. */
import { describe, expect, it } from 'vitest';
import { POSTGRES_SQL } from '../../src/database/postgres/reader.js';
import { backQuote, sourceSql, statementEnd, type SqlDialect } from '../../src/database/sql.js';

const MYSQL: SqlDialect = { quote: backQuote, backslashEscapes: true };
const q = (query: string) => ({ name: 's', query, extract: 'auto' as const });

describe('sourceSql', () => {
  it('quotes table shorthands per dialect', () => {
    const source = { name: 's', table: 'media', schema: 'app', column: 'fi`le', id: 'id', extract: 'auto' as const };
    expect(sourceSql(source, POSTGRES_SQL)).toBe('SELECT "id" AS id, "fi`le" AS ref FROM "app"."media" WHERE "fi`le" IS NOT NULL');
    expect(sourceSql(source, MYSQL)).toBe('SELECT `id` AS id, `fi``le` AS ref FROM `app`.`media` WHERE `fi``le` IS NOT NULL');
  });

  it.each([
    'SELECT a AS ref FROM t;',
    'SELECT a AS ref FROM t; -- the end',
    "SELECT a AS ref FROM t WHERE b = ';' ; /* done; */",
    'SELECT "we;ird" AS ref FROM t',
    'SELECT $x$;$x$ AS ref',
    "SELECT E'\\';' AS ref",
    'SELECT a AS ref -- note; with a semicolon\nFROM t',
  ])('keeps one statement: %j', (query) => {
    expect(() => sourceSql(q(query), POSTGRES_SQL)).not.toThrow();
    expect(sourceSql(q(query), POSTGRES_SQL)).not.toMatch(/;\s*$/);
  });

  it.each([
    'SELECT image AS ref FROM posts) s; COMMIT; DELETE FROM posts; SELECT * FROM (SELECT image AS ref FROM posts',
    'SELECT 1 AS ref; DROP TABLE t',
    "SELECT ';' AS ref; DELETE FROM t",
    "SELECT 'it''s' AS ref; DELETE FROM t",
    'SELECT 1 AS ref /* c */; COPY (SELECT 1) TO PROGRAM \'x\'',
  ])('refuses several statements: %j', (query) => {
    expect(() => sourceSql(q(query), POSTGRES_SQL)).toThrow(/more than one SQL statement/);
  });

  it('reads MySQL backslash escapes and # comments', () => {
    expect(() => sourceSql(q("SELECT 'a\\';' AS ref"), MYSQL)).not.toThrow();
    expect(() => sourceSql(q("SELECT 'a\\'' AS ref; DELETE FROM t"), MYSQL)).toThrow(/more than one/);
    expect(statementEnd('SELECT 1 # x; y\n', MYSQL)).toBe(-1);
  });
});
