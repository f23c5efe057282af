/**
 * A seeded account and database with known answers: which assets are orphans, which references
 * are missing. Deterministic (a seeded PRNG), so a failure reproduces.
 */
import type { CloudinaryEmulator } from '../../src/emulator/index.js';
import type { TestDatabase } from './database.js';
import { mulberry32 as prng } from '../../src/emulator/prng.js';


type Rt = 'image' | 'video' | 'raw';
type Dt = 'upload' | 'private' | 'authenticated';

export interface SeedAsset {
  publicId: string;
  resourceType: Rt;
  type: Dt;
  format: string;
  createdAt: string;
  bytes: number;
  recent: boolean;
}

export interface Expected {
  /** `${rt}/${type}/${id}` of orphans within the window. */
  orphans: Set<string>;
  /** `${source}:${recordId}:${publicId}` of missing references. */
  missing: Set<string>;
  assets: SeedAsset[];
}

const DAY = 86_400_000;

/**
 * Several thousand assets over image/video/raw × upload/private/authenticated (more than one page
 * in the big partitions), referenced from four tables in three forms (bare ids, CloudinaryField
 * values, delivery URLs), with soft-deleted rows, an ignored folder, old referenced assets that a
 * --days 30 listing will not contain, orphans old and new, and references to assets that are gone.
 */
export async function seedScenario(emu: CloudinaryEmulator, db: Pick<TestDatabase, 'exec'> & { kind: TestDatabase['kind'] | 'mysql' }, now = Date.now()): Promise<Expected> {
  // SQLite has no now() and no timestamptz; its column types are names only. MySQL has no timestamptz
  // either, and an explicit NULL keeps MariaDB from making a TIMESTAMP-like column NOT NULL DEFAULT now()
  const sqlNow = db.kind === 'sqlite' ? 'CURRENT_TIMESTAMP' : 'now()';
  const timestamptz = db.kind === 'sqlite' ? 'TEXT' : db.kind === 'mysql' ? 'DATETIME NULL' : 'timestamptz';
  const rand = prng(42);
  const cloud = emu.cloudName;
  const plan: Array<[Rt, Dt, number]> = [
    ['image', 'upload', 1300],
    ['video', 'upload', 560],
    ['raw', 'upload', 520],
    ['image', 'private', 640],
    ['video', 'private', 15],
    ['image', 'authenticated', 12],
  ];
  const assets: SeedAsset[] = [];
  for (const [rt, dt, count] of plan) {
    for (let i = 0; i < count; i++) {
      const recent = rand() < 0.6;
      const ageDays = recent ? rand() * 25 : 40 + rand() * 300;
      const folder = ['prompts', 'avatars', 'docs', 'media/2024'][i % 4];
      const format = rt === 'image' ? 'jpg' : rt === 'video' ? 'mp4' : 'pdf';
      const base = `${folder}/${rt}_${dt}_${i}`;
      assets.push({
        publicId: rt === 'raw' ? `${base}.pdf` : base,
        resourceType: rt,
        type: dt,
        format,
        createdAt: new Date(now - ageDays * DAY).toISOString(),
        bytes: 1000 + Math.floor(rand() * 5_000_000),
        recent,
      });
    }
  }
  // assets under an ignored folder, never referenced
  for (let i = 0; i < 30; i++) {
    assets.push({ publicId: `static/logo_${i}`, resourceType: 'image', type: 'upload', format: 'png', createdAt: new Date(now - 2 * DAY).toISOString(), bytes: 500, recent: true });
  }
  for (const a of assets) {
    emu.addAsset({ public_id: a.publicId, resource_type: a.resourceType, type: a.type, format: a.format, created_at: a.createdAt, bytes: a.bytes });
  }

  await db.exec(`
    CREATE TABLE auth_user (id int PRIMARY KEY, username text NOT NULL);
    CREATE TABLE prompts_prompt (id int PRIMARY KEY, title text, author_id int REFERENCES auth_user(id), featured_image varchar(255), created_at ${timestamptz} DEFAULT ${sqlNow === 'now()' ? 'now()' : '(CURRENT_TIMESTAMP)'}, deleted_at ${timestamptz});
    CREATE TABLE accounts_profile (id int PRIMARY KEY, avatar text);
    CREATE TABLE documents (id int PRIMARY KEY, file_url text);
    INSERT INTO auth_user VALUES (1, 'alice'), (2, 'bob');
  `);

  const orphans = new Set<string>();
  const missing = new Set<string>();
  const prompts: string[] = [];
  const profiles: string[] = [];
  const documents: string[] = [];
  let promptId = 0;
  let profileId = 0;
  let docId = 0;
  const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

  for (const a of assets) {
    if (a.publicId.startsWith('static/')) continue;
    const r = rand();
    if (r < 0.12) {
      // unreferenced: an orphan if inside the window
      if (a.recent) orphans.add(`${a.resourceType}/${a.type}/${a.publicId}`);
      continue;
    }
    const form = Math.floor(rand() * 3);
    const deleted = rand() < 0.15;
    if (a.resourceType === 'raw' || form === 2) {
      const url =
        a.resourceType === 'raw'
          ? `https://res.cloudinary.com/${cloud}/raw/${a.type}/v1712345678/${a.publicId}`
          : `https://res.cloudinary.com/${cloud}/${a.resourceType}/${a.type}/c_fill,w_400/v1712345678/${a.publicId}.${a.format}`;
      documents.push(`(${++docId}, ${q(url)})`);
    } else if (form === 1 || a.type !== 'upload') {
      const value = `${a.resourceType}/${a.type}/v1699999999/${a.publicId}.${a.format}`;
      prompts.push(`(${++promptId}, ${q(`Prompt ${promptId}`)}, ${1 + (promptId % 2)}, ${q(value)}, ${sqlNow}, ${deleted ? sqlNow : 'NULL'})`);
    } else {
      profiles.push(`(${++profileId}, ${q(a.publicId)})`);
    }
  }
  // references to assets that do not exist: ACTIVE and soft-deleted prompts, a bare id, a URL
  for (let i = 0; i < 6; i++) {
    const id = ++promptId;
    const deleted = i % 3 === 0;
    prompts.push(`(${id}, ${q(`Gone ${i}`)}, 1, ${q(`image/upload/v1699999999/prompts/gone_${i}.jpg`)}, ${sqlNow}, ${deleted ? sqlNow : 'NULL'})`);
    missing.add(`prompts:${id}:prompts/gone_${i}`);
  }
  const bareGone = ++profileId;
  profiles.push(`(${bareGone}, 'avatars/never_uploaded')`);
  missing.add(`avatars:${bareGone}:avatars/never_uploaded`);
  const urlGone = ++docId;
  documents.push(`(${urlGone}, ${q(`https://res.cloudinary.com/${cloud}/video/upload/v1/clips/lost.mp4`)})`);
  missing.add(`documents:${urlGone}:clips/lost`);
  // empty and NULL references are skipped; another cloud's URL is foreign, never missing
  prompts.push(`(${++promptId}, 'No image', 1, NULL, ${sqlNow}, NULL)`, `(${++promptId}, 'Blank', 1, '', ${sqlNow}, NULL)`);
  documents.push(`(${++docId}, 'https://res.cloudinary.com/some-other-cloud/image/upload/v1/x.jpg')`);

  const insert = async (table: string, cols: string, rows: string[]) => {
    for (let i = 0; i < rows.length; i += 500) await db.exec(`INSERT INTO ${table} ${cols} VALUES ${rows.slice(i, i + 500).join(',')}`);
  };
  await insert('prompts_prompt', '(id, title, author_id, featured_image, created_at, deleted_at)', prompts);
  await insert('accounts_profile', '(id, avatar)', profiles);
  await insert('documents', '(id, file_url)', documents);
  return { orphans, missing, assets };
}

export const scenarioConfig = {
  references: [
    {
      name: 'prompts',
      query:
        "SELECT p.id, p.title, u.username AS author, p.featured_image AS ref, p.created_at, CASE WHEN p.deleted_at IS NULL THEN 'ACTIVE' ELSE 'DELETED' END AS status FROM prompts_prompt p LEFT JOIN auth_user u ON u.id = p.author_id",
      recordUrl: 'https://example.com/prompt/{id}/',
    },
    { name: 'avatars', table: 'accounts_profile', column: 'avatar', id: 'id' },
    { name: 'documents', table: 'documents', column: 'file_url', id: 'id' },
  ],
  ignore: ['static/*'],
};
