/**
 * A filesystem that folds case or Unicode normalisation (macOS, Windows) is told at open by looking
 * only; detect warns and delete refuses. Linux tells spellings apart, so folding is simulated by an
 * lstat that finds a name the way such a filesystem does (any case, either normal form).
 */
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalFolder } from '../../src/storage/local/backend.js';
import { detectFolding, type Lstat } from '../../src/storage/local/folding.js';
import { openLocalFolder } from '../../src/storage/local/open.js';

let dir: string;
let root: string;
const NFC = 'caf\u00e9.jpg';

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-folding-'));
  root = path.join(dir, 'media');
  mkdirSync(path.join(root, 'avatars'), { recursive: true });
  writeFileSync(path.join(root, 'avatars', 'Photo.jpg'), 'p');
  writeFileSync(path.join(root, 'avatars', NFC), 'c');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An lstat that finds a name as a folding filesystem does: the listed entry whose folded name matches. */
const foldingLstat =
  (fold: (name: string) => string): Lstat =>
  (file) => {
    const parent = path.dirname(file);
    const hit = readdirSync(parent).find((n) => fold(n) === fold(path.basename(file)));
    return lstatSync(path.join(parent, hit ?? path.basename(file)), { bigint: true });
  };

describe('filesystem folding', () => {
  it('a Linux folder tells case and normal forms apart', () => {
    expect(detectFolding(root)).toEqual({ case: false, unicode: false });
  });

  it('two listed names that are one file (a hard link) are not folding', () => {
    const twin = path.join(dir, 'twin');
    mkdirSync(twin);
    writeFileSync(path.join(twin, 'a.jpg'), 'a');
    linkSync(path.join(twin, 'a.jpg'), path.join(twin, 'A.jpg'));
    expect(detectFolding(twin).case).toBe(false);
  });

  it('an empty folder cannot tell', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty);
    expect(detectFolding(empty)).toEqual({});
  });

  it('tells case folding and normalisation folding apart, by looking only', () => {
    const before = readdirSync(path.join(root, 'avatars')).sort();
    expect(detectFolding(root, foldingLstat((n) => n.toLowerCase()))).toEqual({ case: true, unicode: false });
    expect(detectFolding(root, foldingLstat((n) => n.normalize('NFC')))).toEqual({ case: false, unicode: true });
    expect(detectFolding(root, foldingLstat((n) => n.normalize('NFC').toLowerCase()))).toEqual({ case: true, unicode: true });
    expect(readdirSync(path.join(root, 'avatars')).sort()).toEqual(before);
  });

  it('opening a Linux folder records no folding; a delete opens it', () => {
    const folder = openLocalFolder(root, 'test', {}, { deleting: true, quarantineDir: path.join(dir, 'q') });
    expect(folder.options.folding).toEqual({ case: false, unicode: false });
  });

  it('delete refuses a folding filesystem, naming why and the fix', () => {
    const open = () => new LocalFolder({ root, hosts: [], quarantine: path.join(dir, 'q'), folding: { case: true } });
    expect(open).toThrow(/refusing to delete from .*ignores letter case.*ext4/);
    try {
      open();
    } catch (err) {
      expect((err as { kind?: string }).kind).toBe('refused');
    }
    expect(() => new LocalFolder({ root, hosts: [], quarantine: path.join(dir, 'q'), folding: { case: false, unicode: false } })).not.toThrow();
  });

  it('detect says so once, on the first listing page', async () => {
    const folder = new LocalFolder({ root, hosts: [], folding: { unicode: true } });
    const first = await folder.listPage({ partition: { resourceType: 'file' }, maxResults: 1000 });
    expect(first.notes).toHaveLength(1);
    expect(first.notes![0]).toMatch(/ignores Unicode normalisation.*reported an orphan.*delete refuses this folder/);
    const again = await folder.listPage({ partition: { resourceType: 'file' }, maxResults: 1000 });
    expect(again.notes).toBeUndefined();
    const plain = new LocalFolder({ root, hosts: [], folding: { case: false, unicode: false } });
    expect((await plain.listPage({ partition: { resourceType: 'file' }, maxResults: 1000 })).notes).toBeUndefined();
    expect(readFileSync(path.join(root, 'avatars', NFC), 'utf8')).toBe('c');
  });
});
