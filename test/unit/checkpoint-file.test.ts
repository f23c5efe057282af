/**
 * The checkpoint file: orphans are written one a line after the checkpoint's first line and read
 * back lazily, as often as iterated; a version 2 file (orphans inline) still loads; a file cut
 * short or edited is refused before a scan would resume from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { OrphanRow } from '../../src/audit/result.js';
import { CHECKPOINT_FORMAT, CheckpointError, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/scan/checkpoint.js';

const dir = mkdtempSync(path.join(tmpdir(), 'asset-audit-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const orphan = (i: number): OrphanRow =>
  ({ publicId: `a/${i} "quoted"\n✓`, resourceType: 'image', type: 'upload', assetId: `id${i}`, format: 'jpg', bytes: i, uploadedAt: '2026-01-01T00:00:00Z', url: `https://x/${i}` }) as OrphanRow;

function checkpoint(orphans: Iterable<OrphanRow>): Checkpoint {
  return {
    format: CHECKPOINT_FORMAT,
    version: 3,
    writtenAt: '2026-12-07T00:00:00Z',
    startedAt: '2026-12-07T00:00:00Z',
    reason: 'budget',
    cloudName: 'c',
    configDigest: 'd',
    scope: { days: null, since: null, prefix: null, resourceTypes: ['image'], types: ['upload'], orphans: true, missing: true },
    options: { windows: 'auto' },
    phase: 'listing',
    chains: [],
    counters: { listed: 3, valid: 0, ignored: 0, orphanBytes: 3 },
    orphans,
    ledger: {} as Checkpoint['ledger'],
    api: { calls: 1, listCalls: 1, lookups: 0, runs: 1 },
  };
}

describe('checkpoint file', () => {
  it('round-trips the orphans a row a line, readable more than once', () => {
    const file = path.join(dir, 'a.checkpoint.json');
    const rows = Array.from({ length: 2500 }, (_, i) => orphan(i));
    saveCheckpoint(file, checkpoint(rows));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2502);
    expect(JSON.parse(lines[0]!)).not.toHaveProperty('orphans');
    expect(JSON.parse(lines.at(-1)!)).toEqual({ orphanCount: 2500 });
    const cp = loadCheckpoint(file);
    expect([...cp.orphans]).toEqual(rows);
    expect([...cp.orphans]).toHaveLength(2500);
  });

  it('still reads a version 2 file, orphans inline', () => {
    const file = path.join(dir, 'v2.checkpoint.json');
    writeFileSync(file, JSON.stringify({ ...checkpoint([]), version: 2, orphans: [orphan(1)] }) + '\n');
    expect([...loadCheckpoint(file).orphans]).toEqual([orphan(1)]);
  });

  it('refuses a file cut short or with a row added', () => {
    const file = path.join(dir, 'cut.checkpoint.json');
    saveCheckpoint(file, checkpoint([orphan(1), orphan(2)]));
    const lines = readFileSync(file, 'utf8').split('\n');
    writeFileSync(file, [lines[0], lines[1], lines[3], ''].join('\n'));
    expect(() => loadCheckpoint(file)).toThrow(CheckpointError);
    writeFileSync(file, [lines[0], lines[1], lines[2], lines[1], lines[3], ''].join('\n'));
    expect(() => loadCheckpoint(file)).toThrow(/truncated or was edited/);
    writeFileSync(file, [lines[0], lines[1], ''].join('\n'));
    expect(() => loadCheckpoint(file)).toThrow(/no counted|truncated/);
  });
});
