import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Journal } from '../../src/delete/journal.js';

const entry = (publicId: string, assetId: string, outcome: 'deleted' | 'not_found' | 'skipped:too_recent') => ({
  time: '2026-01-01T00:00:00.000Z', publicId, resourceType: 'image', type: 'upload', assetId, bytes: 1, outcome,
});

describe('delete journal', () => {
  it('remembers final outcomes across runs, for the same asset only', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'r.journal.csv');
    const first = Journal.open(file);
    first.append([entry('=a,b', 'A1', 'deleted'), entry('c', 'C1', 'skipped:too_recent')]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = Journal.open(file);
    const key = { publicId: '=a,b', resourceType: 'image', type: 'upload' };
    expect(again.finished({ ...key, assetId: 'A1' })?.outcome).toBe('deleted');
    expect(again.finished(key)?.outcome).toBe('deleted');
    // re-uploaded under the same public_id since: another asset, not done
    expect(again.finished({ ...key, assetId: 'A2' })).toBeUndefined();
    // skipped is not final: it is decided again
    expect(again.finished({ publicId: 'c', resourceType: 'image', type: 'upload', assetId: 'C1' })).toBeUndefined();
    expect(readFileSync(file, 'utf8').split('\n')[1]).toMatch(/^2026-01-01T00:00:00.000Z,"'=a,b",image,upload,A1,1,deleted$/);
  });
});
