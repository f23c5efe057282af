/**
 * init on a store other than Cloudinary: the CLI spawned against the S3 emulator (the official SDK
 * over loopback) and SQLite; the columns are found with the bucket's own grammar (bare keys matching
 * the bucket's sample, bucket URLs inside HTML), and a column of prose is left out.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { S3Emulator } from '../../src/emulator/s3/index.js';
import { runCli, workspace } from '../support/cli.js';
import { TEST_DATABASES, type TestDatabase } from '../support/database.js';

const sqlite = TEST_DATABASES.find((d) => d.name === 'sqlite')!;

describe('init on an S3 bucket', () => {
  let emu: S3Emulator;
  let db: TestDatabase;
  beforeAll(async () => {
    emu = await S3Emulator.start({ buckets: ['media'] });
    db = await sqlite.start();
    for (let i = 0; i < 5; i++) emu.put(`media/avatars/u${i}.jpg`);
    emu.put('media/posts/p0.jpg');
    await db.exec(`CREATE TABLE profile (id int PRIMARY KEY, avatar varchar(255), bio text, status text)`);
    await db.exec(`CREATE TABLE post (id int PRIMARY KEY, body text)`);
    for (let i = 0; i < 5; i++) await db.exec(`INSERT INTO profile VALUES (${i}, 'avatars/u${i}.jpg', 'likes hiking and tea', 'ACTIVE')`);
    await db.exec(`INSERT INTO post VALUES (1, '<p>see <img src="${emu.endpoint}/media/media/posts/p0.jpg"></p>')`);
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });

  it('finds the key column and the HTML column, not prose or a status word', async () => {
    const dir = workspace();
    const env = {
      ...emu.env,
      STORAGE_URL: `s3://media/media?endpoint=${encodeURIComponent(emu.endpoint)}&forcePathStyle=true&region=us-east-1`,
      DATABASE_URL: db.url,
    };
    const run = await runCli(['init'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8');
    expect(text).toMatch(/"table": "profile", "column": "avatar"/);
    expect(text).toMatch(/"table": "post", "column": "body"/);
    // under the bucket's prefix every bare word would lie in a sampled folder: neither counts
    expect(text).not.toMatch(/"column": "bio"/);
    expect(text).not.toMatch(/"column": "status"/);
  });
});
