/**
 * The demo's app database, filled with the sample. SQLite (the default) is a file in the demo's
 * temp directory, written here once with a read-write handle of its own and closed before detect
 * opens it read-only like any user's database; it costs milliseconds. PGlite is an embedded Postgres
 * served over the wire protocol on loopback: the same path as a real Postgres, seconds to start.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { DemoDatabase } from './sample.js';

export interface DemoDatabaseHandle {
  /** DATABASE_URL for detect. */
  url: string;
  /** How the start-up line names it. */
  description: string;
  stop(): Promise<void>;
}

export async function startDemoDatabase(kind: DemoDatabase, sql: string[], dir: string): Promise<DemoDatabaseHandle> {
  return kind === 'pglite' ? startPglite(sql) : startSqlite(sql, dir);
}

async function startSqlite(sql: string[], dir: string): Promise<DemoDatabaseHandle> {
  const { default: Database } = await import('better-sqlite3');
  const file = path.join(dir, 'demo-app.sqlite3');
  const db = new Database(file);
  try {
    db.transaction(() => {
      for (const statement of sql) db.exec(statement);
    })();
  } finally {
    db.close();
  }
  return { url: `sqlite://${file}`, description: `an SQLite file (${file})`, stop: async () => undefined };
}

async function startPglite(sql: string[]): Promise<DemoDatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  for (const statement of sql) await db.exec(statement);
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
  await server.start();
  // the socket server does not expose its port; its listening net.Server does
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  return {
    // PGlite accepts any password; a random one keeps the demo's diagnostics free of masked words
    url: `postgres://postgres:${randomBytes(12).toString('hex')}@127.0.0.1:${port}/postgres`,
    description: `an embedded Postgres (PGlite) on 127.0.0.1:${port}`,
    async stop() {
      await server.stop().catch(() => undefined);
      await db.close().catch(() => undefined);
    },
  };
}
