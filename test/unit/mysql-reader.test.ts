/**
 * The MySQL/MariaDB reader against the local MariaDB (or TEST_MYSQL_URL): URL forms, the
 * read-only snapshot, streaming, timeouts, a dropped connection, errors, and the init catalog.
 * The engine-neutral cases live in the reader contract suite.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceConfig } from '../../src/config/schema.js';
import { parseMysqlUrl, sslOption } from '../../src/database/mysql/config.js';
import { openMysql } from '../../src/database/mysql/reader.js';
import type { ReferenceReader, SourceRow } from '../../src/database/types.js';
import { describeMysql, startMysql, type TestMysql } from '../support/mysql.js';

const src = (query: string, name = 's'): SourceConfig => ({ name, query }) as SourceConfig;
const tableSrc = (table: string, column: string, extra: Record<string, string> = {}): SourceConfig => ({ name: 't', table, column, ...extra }) as SourceConfig;

/** Inserts `n` rows of `value(i)` in batches (portable: no MariaDB sequence engine needed). */
async function fill(db: TestMysql, table: string, n: number, value: (i: number) => string): Promise<void> {
  for (let start = 1; start <= n; start += 10_000) {
    const batch = Array.from({ length: Math.min(10_000, n - start + 1) }, (_, k) => [value(start + k)]);
    await db.exec(`INSERT INTO ${table} (ref) VALUES ?`, [batch]);
  }
}

async function all(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const r of rows) out.push(r);
  return out;
}

describe('mysql:// URLs', () => {
  it('reads host, port, database and credentials; the label holds no credentials', () => {
    const t = parseMysqlUrl('mysql://audit:s%40cret@db.example.com:3307/shop');
    expect(t).toMatchObject({ host: 'db.example.com', port: 3307, user: 'audit', password: 's@cret', database: 'shop', label: 'db.example.com:3307/shop' });
    expect(parseMysqlUrl('mariadb://u@localhost/app').port).toBe(3306);
  });

  it('TLS: local plain, remote prefer, and the forms hosted MySQL hands out', () => {
    expect(parseMysqlUrl('mysql://u@127.0.0.1/db').tls).toBe('disable');
    expect(parseMysqlUrl('mysql://u:p@us-cdbr-east-06.cleardb.net/heroku_abc?reconnect=true').tls).toBe('prefer');
    expect(parseMysqlUrl('mysql://u:p@x.rds.amazonaws.com:3306/d?ssl=true').tls).toBe('verify-full');
    expect(parseMysqlUrl('mysql://u:p@h/d?ssl={"rejectUnauthorized":true}').tls).toBe('verify-full');
    expect(parseMysqlUrl('mysql://u:p@h/d?ssl={"rejectUnauthorized":false}').tls).toBe('require');
    expect(parseMysqlUrl('mysql://u:p@h/d?sslmode=REQUIRED').tls).toBe('require');
    expect(parseMysqlUrl('mysql://u:p@h/d?ssl-mode=VERIFY_IDENTITY').tls).toBe('verify-full');
    expect(parseMysqlUrl('mysql://u:p@h/d?useSSL=true&verifyServerCertificate=false').tls).toBe('require');
    expect(parseMysqlUrl('mysql://u:p@h/d?sslaccept=strict').tls).toBe('verify-full');
    expect(parseMysqlUrl('mysql://u:p@h/d?ssl=false').tls).toBe('disable');
    const rds = parseMysqlUrl('mysql://u:p@h/d?ssl=Amazon%20RDS');
    expect(rds.tls).toBe('profile');
    expect(sslOption(rds)).toBe('Amazon RDS');
  });

  it('refuses driver options smuggled in the URL, and TLS said twice', () => {
    expect(() => parseMysqlUrl('mysql://u:p@h/d?multipleStatements=true')).toThrow(/"multipleStatements" is not supported/);
    expect(() => parseMysqlUrl('mysql://u:p@h/d?ssl=true&sslmode=require')).toThrow(/TLS twice/);
    expect(() => parseMysqlUrl('mysql://u:p@h/d?ssl=maybe')).toThrow(/ssl=maybe is not understood/);
  });
});

describe('connection errors name the host and the fix, never the password', () => {
  it('connection refused', async () => {
    const t = parseMysqlUrl('mysql://audit:hunter2secret@127.0.0.1:1/shop');
    const err = (await openMysql(t, { statementTimeoutSeconds: 5 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/127\.0\.0\.1:1\/shop.*ECONNREFUSED.*check the host and port/);
    expect(err.message).not.toContain('hunter2secret');
  });
});

describeMysql('MySQL/MariaDB reader', () => {
  let db: TestMysql;
  let reader: ReferenceReader;
  const open = () => openMysql(parseMysqlUrl(db.url), { statementTimeoutSeconds: 30 });

  beforeAll(async () => {
    db = await startMysql();
    await db.exec(`
      CREATE TABLE posts (id BIGINT PRIMARY KEY, title VARCHAR(200), image VARCHAR(500), body MEDIUMTEXT, meta JSON, created_at DATETIME, hits INT);
      INSERT INTO posts VALUES
        (1, 'First', 'https://res.cloudinary.com/demo/image/upload/v1/a.jpg', 'text', '{"public_id": "a"}', '2024-01-02 03:04:05', 3),
        (2, 'Second', NULL, NULL, NULL, NULL, NULL),
        (9007199254740993, 'Big id', 'Sample/B.png', '', '[]', NULL, 1);
      CREATE TABLE tags (name VARCHAR(50), code INT);
      CREATE TABLE many (id INT PRIMARY KEY AUTO_INCREMENT, ref VARCHAR(40));
      CREATE TABLE big (id INT PRIMARY KEY AUTO_INCREMENT, ref VARCHAR(200));
      CREATE FUNCTION writes() RETURNS INT MODIFIES SQL DATA BEGIN INSERT INTO tags VALUES ('x', 2); RETURN 1; END;
    `);
    await fill(db, 'many', 20_000, (i) => `img/${i}`);
    await fill(db, 'big', 100_000, (i) => `https://res.cloudinary.com/demo/image/upload/v1/folder/${i}-${'x'.repeat(100)}.jpg`);
    reader = await open();
  });
  afterAll(async () => {
    await reader?.close();
    await db?.close();
  });

  it('errors name the server and the fix: access denied, unknown database, TLS the server lacks', async () => {
    const url = new URL(db.url);
    const denied = new URL(url);
    denied.username = 'nobody_here';
    denied.password = 'wrong-pass-xyz';
    const e1 = (await openMysql(parseMysqlUrl(denied.toString()), { statementTimeoutSeconds: 5 }).catch((e: unknown) => e)) as Error;
    expect(e1).toMatchObject({ kind: 'database' });
    expect(e1.message).toMatch(/Access denied.*check the user and password in DATABASE_URL/);
    expect(e1.message).not.toContain('wrong-pass-xyz');
    const missing = new URL(url);
    missing.pathname = '/no_such_db_here';
    const e2 = (await openMysql(parseMysqlUrl(missing.toString()), { statementTimeoutSeconds: 5 }).catch((e: unknown) => e)) as Error;
    expect(e2.message).toMatch(/\/no_such_db_here.*database does not exist/);
    const tls = (await openMysql(parseMysqlUrl(`${db.url}?ssl=true`), { statementTimeoutSeconds: 5 }).catch((e: unknown) => e)) as Error;
    // the local test server runs without TLS; one with TLS and an untrusted certificate fails differently
    if (tls instanceof Error) expect(tls.message).toMatch(/TLS|certificate/);
    else await (tls as ReferenceReader).close();
    const preferred = await openMysql(parseMysqlUrl(`${db.url}?sslmode=prefer`), { statementTimeoutSeconds: 5 });
    await preferred.close();
  });

  it('streams rows with NULLs, JSON as text, dates and big ids as the server writes them', async () => {
    const rows = await all(reader.stream(src('SELECT id, title, image AS ref, meta, created_at FROM posts ORDER BY id')));
    expect(rows).toEqual([
      { id: '1', title: 'First', ref: 'https://res.cloudinary.com/demo/image/upload/v1/a.jpg', meta: '{"public_id": "a"}', created_at: '2024-01-02 03:04:05' },
      { id: '2', title: 'Second', ref: null, meta: null, created_at: null },
      { id: '9007199254740993', title: 'Big id', ref: 'Sample/B.png', meta: '[]', created_at: null },
    ]);
  });

  it('table shorthands quote with backticks; probe and count', async () => {
    const s = tableSrc('posts', 'image', { id: 'id', title: 'title' });
    expect(await reader.probe(s)).toEqual(['id', 'ref', 'title']);
    expect(await reader.count(s)).toBe(2);
    await expect(reader.probe(src('SELECT title FROM posts'))).rejects.toThrow(/no column named "ref"/);
    await expect(reader.probe(src('SELECT id, id, image AS ref FROM posts'))).rejects.toThrow(/Duplicate column name 'id'.*alias the duplicates/);
  });

  it('refuses several statements as a config error, before anything runs', async () => {
    const err = await reader.probe(src('SELECT image AS ref FROM posts; DELETE FROM posts')).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'config' });
    expect(await reader.count(src('SELECT image AS ref FROM posts; -- done'))).toBe(3);
  });

  it('holds one snapshot: rows written after open are not seen', async () => {
    await db.exec("INSERT INTO tags VALUES ('late', 1)");
    expect(await reader.count(src('SELECT name AS ref FROM tags'))).toBe(0);
  });

  it('cannot write: a function that writes fails as a database error', async () => {
    const r = await open();
    try {
      const err = (await r.count(src('SELECT writes() AS ref')).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ kind: 'database' });
      expect(err.message).toMatch(/READ ONLY.*only reads/);
      expect(await r.readOnlyState()).toMatchObject({ readOnly: true });
    } finally {
      await r.close();
    }
  });

  it('no source can write: stacking, wrapper escapes, sequences, locking reads, INTO OUTFILE', async () => {
    await db.exec('CREATE SEQUENCE IF NOT EXISTS seq_attack');
    const r = await open();
    const before = await db.query('CHECKSUM TABLE posts, tags');
    const attacks: Array<[string, string]> = [
      ['SELECT image AS ref FROM posts; DELETE FROM posts', 'config'],
      ["SELECT image AS ref FROM posts) x, (SELECT SETVAL(seq_attack, 100) AS y", 'database'],
      ['SELECT NEXTVAL(seq_attack) AS ref', 'database'],
      ['SELECT image AS ref FROM posts FOR UPDATE', 'database'],
      ["SELECT image AS ref FROM posts INTO OUTFILE '/tmp/asset-audit-outfile-marker'", 'database'],
      ["SELECT image AS ref FROM posts) x INTO OUTFILE '/tmp/asset-audit-outfile-marker' -- ", 'database'],
      ['SELECT writes() AS ref', 'database'],
    ];
    try {
      for (const [query, kind] of attacks) {
        await expect(all(r.stream(src(query))), query).rejects.toMatchObject({ kind });
        await expect(r.count(src(query)), query).rejects.toMatchObject({ kind });
      }
    } finally {
      await r.close();
    }
    expect(await db.query('CHECKSUM TABLE posts, tags')).toEqual(before);
    expect((await db.query<{ n: unknown }>('SELECT NEXTVAL(seq_attack) AS n'))[0]?.n).toEqual(1);
  });

  it('a statement over the timeout fails as a database error naming the setting; the reader stays usable', async () => {
    const r = await openMysql(parseMysqlUrl(db.url), { statementTimeoutSeconds: 1 });
    try {
      const heavy = (await r.count(src('SELECT BENCHMARK(2000000000, SHA2(\'x\', 512)) AS ref')).catch((e: unknown) => e)) as Error;
      expect(heavy).toMatchObject({ kind: 'database' });
      expect(heavy.message).toMatch(/timed out: raise database\.statementTimeoutSeconds/);
      const isolated = await r.isolate(() => r.count(src('SELECT BENCHMARK(2000000000, SHA2(\'x\', 512)) AS ref')));
      expect(isolated).toMatchObject({ ok: false, error: 'timed out (raise --timeout)' });
      expect(await r.count(src('SELECT 1 AS ref'))).toBe(1);
    } finally {
      await r.close();
    }
  });

  it('a dropped connection ends the stream with a database error, not a hang', async () => {
    const r = await open();
    const [{ ref: id } = { ref: undefined }] = await all(r.stream(src('SELECT CONNECTION_ID() AS ref')));
    let seen = 0;
    const err = await (async () => {
      // a result far larger than the socket buffers, so the server is still sending when killed
      for await (const _ of r.stream(src('SELECT ref FROM big'))) {
        if (++seen === 10) await db.exec(`KILL ${String(id)}`);
      }
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'database' });
    expect((err as Error).message).toMatch(/connection|closed|lost|killed/i);
    await r.close();
  });

  it('a reader that stops early leaves the connection usable', async () => {
    for await (const _ of reader.stream(src('SELECT ref FROM many'))) break;
    expect(await reader.count(src('SELECT 1 AS ref'))).toBe(1);
  });

  it('streams 100k rows in bounded memory', async () => {
    // retained heap after a full collection, sampled while a slow reader is mid-stream: the whole
    // result held at once retains ~24 MB here, the stream about 1 MB
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const r = await open();
    try {
      gc();
      const before = process.memoryUsage().heapUsed;
      let peak = before;
      let n = 0;
      for await (const row of r.stream(src('SELECT ref FROM big'))) {
        if (typeof row.ref === 'string') n++;
        if (n % 10_000 === 0) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed);
        }
      }
      expect(n).toBe(100_000);
      expect(peak - before).toBeLessThan(8 * 1024 * 1024);
    } finally {
      await r.close();
    }
  });

  describe('catalog', () => {
    it('lists string and JSON columns with kinds, primary key, title and privileges', async () => {
      const cols = await reader.catalog.columns();
      const posts = cols.filter((c) => c.table === 'posts');
      expect(posts.map((c) => [c.column, c.kind])).toEqual([
        ['title', 'string'],
        ['image', 'string'],
        ['body', 'string'],
        ['meta', 'json'],
      ]);
      expect(posts[1]).toMatchObject({ schema: db.database, primaryKey: 'id', titleColumn: 'title', type: 'varchar(500)', readable: true });
      const tags = cols.filter((c) => c.table === 'tags');
      expect(tags.map((c) => c.column)).toEqual(['name']);
      expect(tags[0]?.primaryKey).toBeUndefined();
    });

    it('counts, samples and resolves', async () => {
      const cols = (await reader.catalog.columns()).filter((c) => c.table === 'posts');
      const pass = await reader.catalog.countPass(cols, 'cloudinary\\.com|public_?id', 1_000_000);
      expect(pass).toMatchObject({ rowsScanned: 3, nonNull: [3, 2, 2, 2], hinted: [0, 1, 0, 1] });
      const image = cols.find((c) => c.column === 'image')!;
      expect((await reader.catalog.sample(image, 10)).map((v) => v.text).sort()).toEqual(['Sample/B.png', 'https://res.cloudinary.com/demo/image/upload/v1/a.jpg']);
      expect((await reader.catalog.sample(image, 10, 'CLOUDINARY')).length).toBe(1);
      const meta = cols.find((c) => c.column === 'meta')!;
      expect((await reader.catalog.sample(meta, 10)).map((v) => v.text)).toEqual(['{"public_id": "a"}']);
      expect(await reader.catalog.resolveTable(undefined, 'posts')).toBe(image.tableKey);
      expect(await reader.catalog.resolveTable(undefined, 'nope')).toBeUndefined();
      expect(await reader.catalog.returnedTexts(tableSrc('posts', 'image'), ['Sample/B.png', 'sample/b.png', 'x'])).toEqual(['Sample/B.png']);
    });

    it('samples a big table through key windows, not the whole table', async () => {
      const r = await open();
      try {
        const col = (await r.catalog.columns()).find((c) => c.table === 'big')!;
        const pass = await r.catalog.countPass([{ ...col, estimatedRows: 100_000 }], 'cloudinary', 1_000);
        expect(pass.rowsScanned).toBe(1_000);
        expect(pass.hinted).toEqual([1_000]);
        expect(pass.sampledPercent).toBeCloseTo(1, 5);
      } finally {
        await r.close();
      }
    });
  });
});
