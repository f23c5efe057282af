/**
 * A Django-like media folder and the rows that reference it (test fixture): upload_to date folders,
 * names with spaces, Unicode (NFC and NFD twins) and `%`, one name in two folders, case variants,
 * a symlink out of the root, an unreadable folder, an empty file, and references through
 * /media/… in HTML, through the site's URL in Markdown, and inside JSON.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const NFC = 'caf\u00e9.png';
export const NFD = 'cafe\u0301.png';

/** Files of the folder: path → content. All are old enough for any --min-age. */
export const FILES: Record<string, string> = {
  'profile_pics/alice.jpg': 'alice v2',
  'profile_pics/old_alice.jpg': 'alice v1',
  'e_signatures/2024/01/15/sig one.png': 'signature',
  [`uploads/2024/01/15/${NFC}`]: 'nfc',
  [`uploads/2024/01/15/${NFD}`]: 'nfd',
  'uploads/2024/02/01/100%.png': 'percent',
  'donation_receipts/a/scan.jpg': 'receipt a',
  'donation_receipts/b/scan.jpg': 'receipt b',
  'qr_codes/Code.png': 'upper',
  'qr_codes/code.png': 'lower',
  'forum_images/img one.png': 'forum html',
  'forum_images/photo.jpg': 'forum markdown',
  'forum_images/from-json.png': 'forum json',
  'empty.txt': '',
  'CACHE/images/thumb.jpg': 'cache',
};

/** The rows: (table, id, value). */
export const ROWS = {
  users: [
    [1, 'profile_pics/alice.jpg', 'ACTIVE'],
    [2, 'profile_pics/bob.jpg', 'ACTIVE'],
    [3, 'e_signatures/2024/01/15/sig one.png', 'ACTIVE'],
    [4, `uploads/2024/01/15/${NFC}`, 'ACTIVE'],
    [5, 'uploads/2024/02/01/100%.png', 'ACTIVE'],
    [6, 'donation_receipts/a/scan.jpg', 'ACTIVE'],
    [7, 'qr_codes/Code.png', 'ACTIVE'],
    [8, '../etc/passwd', 'ACTIVE'],
    [9, 'uploads/2024', 'DELETED'],
    [10, 'private/secret.jpg', 'ACTIVE'],
  ] as Array<[number, string, string]>,
  posts: [
    [1, '<p>Look</p><img src="/media/forum_images/img%20one.png?v=3" alt="">'],
    [2, 'A photo: ![p](https://example.com/media/forum_images/photo.jpg) and [elsewhere](https://other.org/media/x.jpg)'],
    [3, '{"cover": "/media/forum_images/from-json.png", "n": 1}'],
    [4, '<a href="/media/forum_images/gone.png">gone</a>'],
  ] as Array<[number, string]>,
};

export const EXPECTED_ORPHANS = [
  'donation_receipts/b/scan.jpg',
  'empty.txt',
  'profile_pics/old_alice.jpg',
  'qr_codes/code.png',
  `uploads/2024/01/15/${NFD}`,
].sort((a, b) => a.localeCompare(b));

export const EXPECTED_MISSING = ['forum_images/gone.png', 'profile_pics/bob.jpg', 'uploads/2024'];

export interface MediaTree {
  dir: string;
  root: string;
  outside: string;
  /**
   * Root reads a chmod 000 folder anyway, so under root the CLI is run as `nobody` (the tree is
   * made theirs to read and write; the unreadable folder stays unreadable to them).
   */
  runAs?: { uid: number; gid: number };
}

export const runningAsRoot = typeof process.getuid === 'function' && process.getuid() === 0;
export const NOBODY = { uid: 65534, gid: 65534 };

/** Gives the tree (and the workspace) to `nobody` when the tests run as root; the unreadable folder stays closed. */
export function openTo(dirs: string[], runAs: MediaTree['runAs']): void {
  if (!runAs) return;
  for (const d of dirs) execFileSync('chmod', ['-R', 'a+rwX', d]);
}

export function mediaTree(): MediaTree {
  const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-media-'));
  const root = path.join(dir, 'media');
  const old = new Date(Date.now() - 10 * 86_400_000);
  for (const [rel, content] of Object.entries(FILES)) {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    utimesSync(file, old, old);
  }
  const outside = path.join(dir, 'outside.jpg');
  writeFileSync(outside, 'outside the root');
  mkdirSync(path.join(root, 'links'));
  symlinkSync(outside, path.join(root, 'links/outside.jpg'));
  symlinkSync(dir, path.join(root, 'links/up'));
  mkdirSync(path.join(root, 'private'));
  writeFileSync(path.join(root, 'private/secret.jpg'), 'secret');
  const runAs = runningAsRoot ? NOBODY : undefined;
  openTo([dir], runAs);
  chmodSync(path.join(root, 'private'), 0o000);
  return { dir, root, outside, runAs };
}

/** Makes the unreadable folder readable again (so the temporary tree can be removed). */
export function unlock(tree: MediaTree): void {
  chmodSync(path.join(tree.root, 'private'), 0o755);
}

export const DJANGO_SQL = (q: (s: string) => string) => [
  'CREATE TABLE users (id INTEGER PRIMARY KEY, avatar TEXT, status TEXT)',
  'CREATE TABLE posts (id INTEGER PRIMARY KEY, body TEXT)',
  ...ROWS.users.map(([id, v, s]) => `INSERT INTO users (id, avatar, status) VALUES (${id}, ${q(v)}, ${q(s)})`),
  ...ROWS.posts.map(([id, v]) => `INSERT INTO posts (id, body) VALUES (${id}, ${q(v)})`),
];

export const CONFIG = {
  references: [
    { name: 'users', table: 'users', column: 'avatar', extract: 'value' },
    { name: 'posts', query: 'SELECT id, body AS ref FROM posts', extract: 'text' },
  ],
  ignore: ['CACHE/**'],
  storage: { url: 'file:media', mediaUrl: '/media/', hosts: ['example.com'] },
};
