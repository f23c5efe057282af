/** The report writers stream in pieces; what they write must be byte for byte what the whole-string renderers wrote. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterEach, describe, expect, it } from 'vitest';
import type { DetectResult, MissingRow, OrphanRow } from '../../src/audit/result.js';
import { clearSecrets, registerSecret } from '../../src/config/redact.js';
import { MISSING_COLUMNS, MISSING_TITLE, ORPHAN_COLUMNS, ORPHAN_TITLE, UNVERIFIED_TITLE, writeCsv } from '../../src/report/csv.js';
import { renderJson, writeJson } from '../../src/report/json.js';
import { neutralise } from '../../src/report/neutralise.js';
import { writeAtomicWith } from '../../src/report/write.js';
import { detectResult } from '../support/result.js';

const HOSTILE = ['plain', 'comma,inside', '"quoted"', 'multi\nline\r\nid', '=SUM(A1)', "'q", '\ttab', 'ünïcödé/日本語/😀', ''];

const orphan = (i: number): OrphanRow => ({
  publicId: `${HOSTILE[i % HOSTILE.length]}/${i}`, resourceType: 'image', type: 'upload', bytes: i * 1000, format: i % 3 ? 'jpg' : '',
  uploadedAt: '2026-01-01T00:00:00Z', assetId: `a${i}`, url: `https://res.cloudinary.com/c/image/upload/${i}.jpg`,
});
const missing = (i: number): MissingRow => ({
  source: 's', recordId: String(i), title: HOSTILE[i % HOSTILE.length]!, author: '-a', status: i % 2 ? 'ACTIVE' : 'DELETED', createdAt: '',
  recordUrl: '', reference: `r${i}`, publicId: `p${i}`, resourceType: '', type: '',
});

function result(orphans: number, missingRows: number, complete: boolean): DetectResult {
  return detectResult({
    complete,
    incompleteReason: complete ? undefined : 'Rate Limit Exceeded',
    listing: { assets: orphans, inScope: orphans, partitions: [{ partition: 'image/*', pages: 3, listed: orphans, complete }] },
    references: { rows: 0, references: 0, distinct: 0, sources: [], foreign: { count: 1, samples: [{ source: 's', recordId: '1', value: 'v\n"x"', reason: 'r' }] }, invalid: { count: 0, samples: [] } },
    orphans: Array.from({ length: orphans }, (_, i) => orphan(i)),
    missing: Array.from({ length: missingRows }, (_, i) => missing(i)),
    unverified: complete ? [] : [missing(7)],
    api: { calls: 0, retries: 0, lookups: 0, listCalls: 0, limit: undefined },
  });
}

/** The renderer as it was before streaming: one csv-stringify call per section. */
function wholeCsv(r: DetectResult): string {
  const csv = (rows: string[][]) => stringify(rows.map((row) => row.map(neutralise)), { record_delimiter: '\n' });
  const miss = (rows: Iterable<MissingRow>) => [...rows].map((m) => [m.source, m.recordId, m.title, m.author, m.resourceType, m.type, m.publicId, m.createdAt, m.status, m.recordUrl, m.reference]);
  let out = r.complete ? '' : csv([[`INCOMPLETE SCAN: ${r.incompleteReason}`]]) + '\n';
  out += ORPHAN_TITLE + '\n' + csv([ORPHAN_COLUMNS, ...[...r.orphans].map((o) => [o.publicId, o.resourceType, o.type, String(o.bytes), (o.bytes / 1_048_576).toFixed(2), o.format, o.uploadedAt, o.url, o.assetId, o.note ?? ''])]);
  out += '\n' + MISSING_TITLE + '\n' + csv([MISSING_COLUMNS, ...miss(r.missing)]);
  if (r.unverified.length) out += '\n' + UNVERIFIED_TITLE + '\n' + csv([MISSING_COLUMNS, ...miss(r.unverified)]);
  return out;
}

afterEach(() => clearSecrets());

describe('streamed reports', () => {
  it.each([
    [0, 0, true],
    [1, 1, true],
    [2_345, 1_001, true],
    [1_000, 3, false],
  ])('%i orphans, %i missing, complete %s: CSV and JSON are byte-identical to the whole-string forms', (o, m, complete) => {
    const r = result(o, m, complete);
    const pieces: string[] = [];
    writeCsv(r, (t) => pieces.push(t));
    expect(pieces.join('')).toBe(wholeCsv(r));
    expect(pieces.every((p) => p.endsWith('\n'))).toBe(true);
    const json: string[] = [];
    writeJson(r, { csv: '/x/r.csv' }, (t) => json.push(t));
    expect(json.join('')).toBe(JSON.stringify({ format: 'asset-audit/detect', formatVersion: 1, ...r, files: { csv: '/x/r.csv' } }, null, 2) + '\n');
    expect(renderJson(r)).toBe(JSON.stringify({ format: 'asset-audit/detect', formatVersion: 1, ...r, files: {} }, null, 2) + '\n');
  });

  it('writes atomically, mode 0600, every piece exactly (data is never masked)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'asset-audit-stream-'));
    const file = path.join(dir, 'sub', 'r.json');
    try {
      registerSecret('s3cret-value');
      writeAtomicWith(file, (write) => {
        for (let i = 0; i < 50_000; i++) write(`line ${i} s3cret-value postgres://u:pw${i}@h/db\n`);
      });
      const text = readFileSync(file, 'utf8');
      expect(text.split('\n')).toHaveLength(50_001);
      expect(text.split('\n')[7]).toBe('line 7 s3cret-value postgres://u:pw7@h/db');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(() => writeAtomicWith(file, () => { throw new Error('boom'); })).toThrow('boom');
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(path.dirname(file))).toEqual(['r.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
