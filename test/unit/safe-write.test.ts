import { lstatSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditError } from '../../src/errors.js';
import { appendDurably, createExclusive, writeDurably, writeFileDurably } from '../../src/files/safe-write.js';
import { LineFile } from '../../src/scan/linefile.js';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'asset-audit-safe-'));

describe('the safe-write helper', () => {
  it('writes whole files mode 0600 and leaves no temporary file behind', () => {
    const dir = fresh();
    const file = path.join(dir, 'sub', 'report.csv');
    writeFileDurably(file, 'a,b\n');
    writeFileDurably(file, 'c,d\n');
    expect(readFileSync(file, 'utf8')).toBe('c,d\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(['report.csv']);
  });

  it('a failed write leaves the old file and no temporary file', () => {
    const dir = fresh();
    const file = path.join(dir, 'report.csv');
    writeFileDurably(file, 'old\n');
    expect(() => writeDurably(file, () => {
      throw new Error('disk full');
    })).toThrow('disk full');
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['report.csv']);
  });

  it('refuses a symlinked target, dangling or not, for writes and appends', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'precious'), 'keep\n');
    symlinkSync(path.join(dir, 'precious'), path.join(dir, 'link'));
    symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    for (const name of ['link', 'dangling']) {
      const target = path.join(dir, name);
      expect(() => writeFileDurably(target, 'x')).toThrow(/is a symbolic link/);
      expect(() => appendDurably(target, 'x')).toThrow(AuditError);
      expect(lstatSync(target).isSymbolicLink()).toBe(true);
    }
    expect(readFileSync(path.join(dir, 'precious'), 'utf8')).toBe('keep\n');
    expect(readdirSync(dir).sort()).toEqual(['dangling', 'link', 'precious']);
  });

  it('appends, creating the file 0600', () => {
    const file = path.join(fresh(), 'history.jsonl');
    appendDurably(file, '1\n');
    appendDurably(file, '2\n');
    expect(readFileSync(file, 'utf8')).toBe('1\n2\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('temporary spools are created exclusively: a file or link planted at the name is not reused', () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'rows.ndjson'), 'planted');
    expect(() => new LineFile(path.join(dir, 'rows.ndjson'))).toThrow(/EEXIST/);
    symlinkSync(path.join(dir, 'elsewhere'), path.join(dir, 'listed.ndjson'));
    expect(() => createExclusive(path.join(dir, 'listed.ndjson'))).toThrow();
    expect(readdirSync(dir).sort()).toEqual(['listed.ndjson', 'rows.ndjson']);
  });
});
