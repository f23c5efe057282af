/**
 * A scratch Postgres for the benches: the server named by TEST_DATABASE_URL, else PGlite on a
 * loopback socket. (test/support/database.ts imports vitest through its MariaDB helper, so a
 * script run outside vitest cannot use it.)
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDatabase {
  url: string;
  exec(sql: string): Promise<void>;
  query(sql: string, params?: unknown[]): Promise<void>;
  close(): Promise<void>;
}

export async function startBenchDatabase(): Promise<BenchDatabase> {
  const server = process.env.TEST_DATABASE_URL;
  if (server) {
    const name = `asset_audit_bench_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    return {
      url: url.toString(),
      exec: async (sql) => void (await client.query(sql)),
      query: async (sql, params) => void (await client.query(sql, params)),
      close: async () => {
        await client.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
        await admin.end();
      },
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const socket = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await socket.start();
  const { port } = (socket as unknown as { server: { address(): { port: number } } }).server.address();
  return {
    url: `postgres://postgres:bench@127.0.0.1:${port}/postgres`,
    exec: async (sql) => void (await db.exec(sql)),
    query: async (sql, params) => void (await db.query(sql, params)),
    close: async () => {
      await socket.stop();
      await db.close();
    },
  };
}
