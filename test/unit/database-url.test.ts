/** DATABASE_URL → engine and target, without connecting. */
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/database/open.js';
import { sqlitePath } from '../../src/database/sqlite/config.js';

describe('parseDatabaseUrl', () => {
  it.each([
    ['postgres://u:p@db.example.com:5432/app', 'postgres', 'db.example.com:5432/app'],
    ['postgresql://u:p@localhost/app', 'postgres', 'localhost/app'],
    ['sqlite:///srv/app/db.sqlite3', 'sqlite', '/srv/app/db.sqlite3'],
    ['file:///srv/app/db.sqlite3', 'sqlite', '/srv/app/db.sqlite3'],
  ])('%s is %s at %s', (url, dialect, label) => {
    expect(parseDatabaseUrl(url, {})).toMatchObject({ dialect, label });
  });

  it('names the known schemes for an unknown one', () => {
    expect(() => parseDatabaseUrl('mongodb://h/x', {})).toThrow(/postgres:, postgresql:, mysql:, mariadb:, sqlite:, file:/);
    expect(() => parseDatabaseUrl(undefined, {})).toThrow(/DATABASE_URL is not set/);
  });

  it('a "%" that starts no escape in the password is a usage error naming the variable, and never shows the password', () => {
    const err = (() => {
      try {
        parseDatabaseUrl('postgres://app:100%sure@h/x', {});
      } catch (e) {
        return e as Error & { kind?: string };
      }
    })();
    expect(err).toMatchObject({ kind: 'usage', message: expect.stringMatching(/^DATABASE_URL: the password holds a "%"/) });
    expect(err!.message).not.toContain('sure');
    expect(parseDatabaseUrl('postgres://app:100%25sure@h/x', {}).label).toBe('h/x');
  });
});

describe('sqlitePath', () => {
  it.each([
    ['sqlite:///abs/path.db', '/abs/path.db'],
    ['sqlite:////abs/path.db', '/abs/path.db'],
    ['sqlite://localhost/abs/path.db', '/abs/path.db'],
    ['sqlite:relative.db', '/work/app/relative.db'],
    ['sqlite:data/relative.db?mode=ro', '/work/app/data/relative.db'],
    ['file:relative.db', '/work/app/relative.db'],
    ['file:///abs/with%20space.db', '/abs/with space.db'],
    ['SQLITE:///abs/upper.db', '/abs/upper.db'],
  ])('%s → %s', (url, file) => {
    expect(sqlitePath(url, '/work/app')).toBe(file);
  });

  it.each(['sqlite://db.example.com/app.db', 'sqlite:', 'sqlite:///'])('refuses %s', (url) => {
    expect(() => sqlitePath(url, '/work/app')).toThrow(/DATABASE_URL/);
  });
});
