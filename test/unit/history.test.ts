import { mkdtempSync, appendFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { appendHistory, historyEntry, increases, previousComplete, readHistory, scopeKey } from '../../src/history/history.js';
import { result } from './notify-fixture.js';

describe('history', () => {
  it('keys a scope without its moving start date', () => {
    const a = result();
    const b = result({ scope: { ...a.scope, since: '2030-01-01T00:00:00.000Z', types: ['private', 'upload', 'authenticated'] } });
    expect(scopeKey('acme', a.scope)).toBe(scopeKey('acme', b.scope));
    expect(scopeKey('acme', a.scope)).not.toBe(scopeKey('acme', { ...a.scope, days: 7 }));
    expect(scopeKey('acme', a.scope)).not.toBe(scopeKey('other', a.scope));
  });

  it('appends one line per run (0600) and reads them back, skipping torn lines', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hist-'));
    appendHistory(dir, historyEntry(result(), 'r1.csv', 'x'));
    appendFileSync(path.join(dir, 'history.jsonl'), '{"torn":\n');
    appendHistory(dir, historyEntry(result({ startedAt: '2025-10-14T01:00:00.000Z' }), 'r2.csv', 'x'));
    const { entries, skipped, file } = readHistory(dir);
    expect(entries.map((e) => e.report)).toEqual(['r1.csv', 'r2.csv']);
    expect(skipped).toBe(1);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readHistory(path.join(dir, 'none')).entries).toEqual([]);
  });

  it('compares with the latest earlier COMPLETE run of the same scope', () => {
    const base = historyEntry(result(), 'a', 'x');
    const entries = [
      { ...base, startedAt: '2025-10-01T00:00:00Z', orphans: 1 },
      { ...base, startedAt: '2025-10-02T00:00:00Z', orphans: 2 },
      { ...base, startedAt: '2025-10-03T00:00:00Z', orphans: 50, complete: false },
      { ...base, startedAt: '2025-10-03T12:00:00Z', orphans: 70, scopeKey: 'other' },
    ];
    expect(previousComplete(entries, base.scopeKey, '2025-10-04T00:00:00Z')?.orphans).toBe(2);
    expect(previousComplete(entries, base.scopeKey, '2025-10-01T00:00:00Z')).toBeUndefined();
    expect(increases({ orphans: 2, missing: 5 }, { orphans: 13, missing: 5 }, 10)).toEqual([{ what: 'orphans', from: 2, to: 13, by: 11 }]);
    expect(increases({ orphans: 2, missing: 5 }, { orphans: 12, missing: 4 }, 10)).toEqual([]);
  });
});
