/** The folder walk, the prober and the delete refusals, on real temporary trees. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Prober } from '../../src/storage/local/probe.js';
import { refuseUnsafeRoot } from '../../src/storage/local/quarantine.js';
import { FolderWalk } from '../../src/storage/local/walk.js';

let dir: string;
let root: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-walk-'));
  root = path.join(dir, 'media');
  for (let i = 0; i < 25; i++) {
    mkdirSync(path.join(root, `d${i % 3}`), { recursive: true });
    writeFileSync(path.join(root, `d${i % 3}`, `f${i}.jpg`), 'x');
  }
  mkdirSync(path.join(dir, 'elsewhere'));
  writeFileSync(path.join(dir, 'elsewhere/secret.jpg'), 's');
  symlinkSync(path.join(dir, 'elsewhere'), path.join(root, 'linked'));
  execFileSync('mkfifo', [path.join(root, 'pipe')]);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('folder walk', () => {
  it('pages through every file once, sets links and special files apart, and never enters a linked folder', () => {
    const walk = new FolderWalk(root);
    const files: string[] = [];
    const apart: string[] = [];
    let pages = 0;
    while (!walk.done) {
      const page = walk.next(7);
      pages++;
      expect(page.files.length).toBeLessThanOrEqual(7);
      files.push(...page.files.map((f) => f.rel));
      apart.push(...page.apart.map((a) => `${a.key} (${a.reason})`));
    }
    expect(pages).toBeGreaterThanOrEqual(4);
    expect(files).toHaveLength(25);
    expect(new Set(files).size).toBe(25);
    expect(files.some((f) => f.startsWith('linked/'))).toBe(false);
    expect(apart.sort()).toEqual(['linked (symlink)', 'pipe (fifo)']);
  });

  it('walks one subtree for a prefix', () => {
    const walk = new FolderWalk(root, 'd1/f1');
    const files: string[] = [];
    while (!walk.done) files.push(...walk.next(100).files.map((f) => f.rel));
    expect(files.sort()).toEqual(['d1/f1.jpg', 'd1/f10.jpg', 'd1/f13.jpg', 'd1/f16.jpg', 'd1/f19.jpg']);
  });
});

describe('prober', () => {
  it('only a regular file exists; a folder is absent; a link on the way is never followed', () => {
    const p = new Prober(root);
    expect(p.probe('d0/f0.jpg').status).toBe('file');
    expect(p.probe('d0').status).toBe('absent');
    expect(p.probe('d0/nope.jpg').status).toBe('absent');
    expect(p.probe('linked/secret.jpg').status).toBe('link');
    expect(p.probe('../elsewhere/secret.jpg').status).toBe('absent');
  });
});

describe('delete refusals', () => {
  it.each([
    ['/', '/tmp/q', /the filesystem root/],
    [homedir(), '/tmp/q', /the home folder/],
    ['/srv/media', '/srv/media/.trash/run', /lies inside it/],
    ['/srv/media/sub', '/srv/media', /lies inside the quarantine/],
  ])('%s with quarantine %s', (r, q, why) => expect(() => refuseUnsafeRoot(r, q)).toThrow(why));

  it('a quarantine beside the root is fine', () => expect(() => refuseUnsafeRoot('/srv/app/media', '/srv/app/.asset-audit-trash/run')).not.toThrow());
});
