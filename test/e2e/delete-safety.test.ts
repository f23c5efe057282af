/**
 * delete against races and careless edits: the last check right before each DELETE call, rows the
 * scan never listed, symlinked targets, and restore's refusals. Races are made to happen at exact
 * points through the emulator's request hook, never by sleeping.
 */
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { DAY, deleteWorld, type World } from '../support/delete-world.js';

const deleteRequests = (emu: CloudinaryEmulator) => emu.requests.filter((r) => r.kind === 'admin' && r.method === 'DELETE');
const sentAssetIds = (emu: CloudinaryEmulator) => deleteRequests(emu).flatMap((r) => (r.params.asset_ids as string[] | undefined) ?? []);
const journalLine = (journal: string, publicId: string) => journal.split('\n').find((l) => l.split(',')[1] === publicId);

describe('the last check right before each DELETE call', () => {
  let w: World;
  beforeAll(async () => {
    w = await deleteWorld('race-cloud');
  });
  afterAll(async () => {
    w?.emu.onRequest(null);
    await w?.emu.stop();
    await w?.db.close();
  });

  it('a row that starts referencing an asset during its backups, a file replaced after its backup, and one replaced between the check and the DELETE are all left alone', async () => {
    const downloads: string[] = [];
    const before = new Map(w.emu.allAssets().map((a) => [a.public_id, a.asset_id]));
    let referenced: string | undefined;
    let replacedAfterBackup: string | undefined;
    let replacedBeforeDelete: string | undefined;
    w.emu.onRequest(async (req) => {
      if (req.kind === 'delivery' && req.segments[1] === 'download') {
        const id = String(req.params.public_id);
        downloads.push(id);
        // the first asset of the first batch starts being used while the batch's backups run
        if (downloads.length === 1) {
          referenced = id;
          await w.db.exec(`INSERT INTO photos VALUES (900, '${id}')`);
        }
        return;
      }
      const batchLookup = req.kind === 'admin' && req.method === 'GET' && req.params.public_ids !== undefined && downloads.length > 0;
      if (batchLookup && !replacedAfterBackup) {
        // after the backups, before the last check's lookup: another file under the same public_id
        replacedAfterBackup = downloads[1]!;
        w.emu.addAsset({ public_id: replacedAfterBackup, bytes: 777, created_at: new Date(Date.now() - 2 * DAY).toISOString() });
      }
      if (req.kind === 'admin' && req.method === 'DELETE' && !replacedBeforeDelete) {
        // after the last check, as the DELETE call arrives
        replacedBeforeDelete = downloads[2]!;
        w.emu.addAsset({ public_id: replacedBeforeDelete, bytes: 555, created_at: new Date(Date.now() - 2 * DAY).toISOString() });
      }
    });
    const run = await runCli(['delete', '--input', w.report, '--confirm', '--backup-dir', 'backup'], { cwd: w.dir, env: w.env });
    w.emu.onRequest(null);
    expect(run.code, run.stderr).toBe(1);
    expect(referenced && replacedAfterBackup && replacedBeforeDelete).toBeTruthy();

    // the newly referenced asset: backed up, then held back by the last re-read of the references
    expect(w.emu.getAsset('image', 'upload', referenced!)?.asset_id).toBe(before.get(referenced!));
    expect(sentAssetIds(w.emu)).not.toContain(before.get(referenced!));
    // the file replaced after its backup: held back by the last lookup; the new file stays
    expect(w.emu.getAsset('image', 'upload', replacedAfterBackup!)?.bytes).toBe(777);
    expect(sentAssetIds(w.emu)).not.toContain(before.get(replacedAfterBackup!));
    // the file replaced between the check and the DELETE: the call named the old asset_id, so the new file stays
    expect(w.emu.getAsset('image', 'upload', replacedBeforeDelete!)?.bytes).toBe(555);
    expect(sentAssetIds(w.emu)).toContain(before.get(replacedBeforeDelete!));

    const journal = readFileSync(path.join(w.dir, 'report.journal.csv'), 'utf8');
    expect(journalLine(journal, referenced!)).toMatch(/,skipped:referenced$/);
    expect(journalLine(journal, replacedAfterBackup!)).toMatch(
      new RegExp(`,${before.get(replacedAfterBackup!)},1024,"skipped:replaced_before_delete \\(asset_id ${before.get(replacedAfterBackup!)} → [0-9a-f]{32}, version .*bytes 1024 → 777.*\\)"$`),
    );
    expect(journalLine(journal, replacedBeforeDelete!)).toMatch(new RegExp(`,${before.get(replacedBeforeDelete!)},1024,not_found$`));
    expect(journal.match(/,deleted\n/g)).toHaveLength(147);
    expect(run.stderr).toMatch(/Deleted 147, already gone 1, skipped 3, failed 0/);
    // two batches (100 + 50), one DELETE call each, by asset_id only
    expect(deleteRequests(w.emu).map((r) => r.path.endsWith('/resources') && r.params.public_ids === undefined)).toEqual([true, true]);
  });
});

describe('only rows the reviewed scan listed', () => {
  let w: World;
  let header: string[];
  let rows: string[][];
  let titleLines: string;
  let sectionsAfter: string;
  beforeAll(async () => {
    w = await deleteWorld('rows-cloud');
    // an unreferenced asset the scan never listed (uploaded after it), old enough for --min-age
    w.emu.addAsset({ public_id: 'extra/added', created_at: new Date(Date.now() - 5 * DAY).toISOString() });
    const text = readFileSync(w.report, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('public_id,'));
    const end = lines.indexOf('', at);
    titleLines = lines.slice(0, at).join('\n') + '\n';
    sectionsAfter = lines.slice(end).join('\n');
    header = lines[at]!.split(',');
    rows = (parse(lines.slice(at + 1, end).join('\n')) as string[][]).filter((r) => r[0]?.startsWith('orphan/'));
  });
  afterAll(async () => {
    await w?.emu.stop();
    await w?.db.close();
  });

  /** A copy of the report (and its twin) with these orphan rows, and the line the last one is on. */
  function reviewed(name: string, body: string[][]): { file: string; lastLine: number } {
    const file = path.join(w.dir, `${name}.csv`);
    writeFileSync(file, titleLines + stringify([header, ...body], { record_delimiter: '\n' }) + sectionsAfter);
    copyFileSync(w.report.replace(/\.csv$/, '.json'), path.join(w.dir, `${name}.json`));
    return { file, lastLine: titleLines.split('\n').length + body.length };
  }
  const cell = (name: string) => header.indexOf(name);
  function handAdded(assetId: string): string[] {
    const added = w.emu.getAsset('image', 'upload', 'extra/added')!;
    const row = [...rows[0]!];
    row[cell('public_id')] = 'extra/added';
    row[cell('size_bytes')] = String(added.bytes);
    row[cell('uploaded_at')] = added.created_at;
    row[cell('cloudinary_url')] = row[cell('cloudinary_url')]!.replace(rows[0]![0]!, 'extra/added');
    row[cell('asset_id')] = assetId;
    return row;
  }

  it.each([
    ['a blank asset_id', 'blank', () => '', /asset_id is blank/],
    ['its correct asset_id', 'correct', () => w.emu.getAsset('image', 'upload', 'extra/added')!.asset_id, /image\/upload\/extra\/added \(asset_id [0-9a-f]+\) is not an orphan the scan listed in added-correct\.json/],
    ['an asset_id copied from a listed row', 'copied', () => rows[5]![cell('asset_id')]!, /is not an orphan the scan listed/],
  ])('a hand-added row with %s is refused with its line number, nothing deleted', async (_what, name, assetId, why) => {
    const { file, lastLine } = reviewed(`added-${name}`, [...rows.slice(0, 3), handAdded(assetId())]);
    const run = await runCli(['delete', '--input', file, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`refusing the report .*: line ${lastLine}: `));
    expect(run.stderr).toMatch(why);
    expect(run.stderr).toContain('Nothing was deleted');
    expect(sentAssetIds(w.emu)).toEqual([]);
  });

  it('a listed row whose asset_id was blanked is refused too', async () => {
    const blanked = rows.slice(0, 2).map((r) => [...r]);
    blanked[1]![cell('asset_id')] = '';
    const { file, lastLine } = reviewed('blanked', blanked);
    const run = await runCli(['delete', '--input', file, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`line ${lastLine}: asset_id is blank`));
    expect(sentAssetIds(w.emu)).toEqual([]);
  });

  it('a trimmed report deletes exactly its rows', async () => {
    const kept = [rows[3]!, rows[40]!, rows[120]!];
    const { file } = reviewed('trimmed', kept);
    const ids = kept.map((r) => r[cell('public_id')]!);
    const assetIds = kept.map((r) => r[cell('asset_id')]!);
    const before = w.emu.assetCount;
    const run = await runCli(['delete', '--input', file, '--confirm'], { cwd: w.dir, env: w.env });
    expect(run.code, run.stderr).toBe(0);
    expect(sentAssetIds(w.emu).sort()).toEqual([...assetIds].sort());
    expect(w.emu.assetCount).toBe(before - 3);
    for (const id of ids) expect(w.emu.getAsset('image', 'upload', id)).toBeUndefined();
    expect(run.stderr).toMatch(/Deleted 3, already gone 0, skipped 0, failed 0/);
  });
});

describe('files are not written through symlinks', () => {
  let emu: CloudinaryEmulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'link-cloud' });
    db = await startDatabase();
    emu.addAsset({ public_id: 'orphan/a', created_at: new Date(Date.now() - 3 * DAY).toISOString() });
    emu.addAsset({ public_id: 'used/b', created_at: new Date(Date.now() - 3 * DAY).toISOString() });
    await db.exec(`CREATE TABLE photos (id int, image text); INSERT INTO photos VALUES (1, 'used/b')`);
    env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
  });
  afterAll(async () => {
    await emu?.stop();
    await db?.close();
  });
  const config = { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] };

  it('a symlinked report target is refused (exit 2) and the file it points at is untouched', async () => {
    const dir = workspace({ 'asset-audit.config.json': config, 'precious.txt': 'do not overwrite\n' });
    symlinkSync(path.join(dir, 'precious.txt'), path.join(dir, 'report.csv'));
    const run = await runCli(['detect', '-o', 'report.csv'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/report\.csv is a symbolic link; asset-audit does not write through symlinks/);
    expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('do not overwrite\n');
  });

  it('a symlinked history file is refused (a warning; the report is still written) and its target untouched', async () => {
    const dir = workspace({ 'asset-audit.config.json': config, 'precious.txt': 'do not append\n' });
    mkdirSync(path.join(dir, 'reports'));
    symlinkSync(path.join(dir, 'precious.txt'), path.join(dir, 'reports', 'history.jsonl'));
    const run = await runCli(['detect'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/could not append to the run history .*history\.jsonl is a symbolic link/);
    expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('do not append\n');
  });

  it('a symlinked journal is refused before anything is deleted', async () => {
    const dir = workspace({ 'asset-audit.config.json': config, 'precious.txt': 'journal target\n' });
    expect((await runCli(['detect', '-o', 'r.csv'], { cwd: dir, env })).code).toBe(1);
    symlinkSync(path.join(dir, 'precious.txt'), path.join(dir, 'r.journal.csv'));
    const run = await runCli(['delete', '--input', 'r.csv', '--confirm', '--min-age', '0'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/r\.journal\.csv is a symbolic link/);
    expect(emu.getAsset('image', 'upload', 'orphan/a')).toBeDefined();
    expect(readFileSync(path.join(dir, 'precious.txt'), 'utf8')).toBe('journal target\n');
  });
});

describe('restore', () => {
  let emu: CloudinaryEmulator;
  let other: CloudinaryEmulator;
  let db: TestDatabase;
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'restore-cloud', apiKey: '42', apiSecret: 'restore-secret' });
    other = await CloudinaryEmulator.start({ cloudName: 'other-cloud', apiKey: '42', apiSecret: 'restore-secret' });
    db = await startDatabase();
    const old = new Date(Date.now() - 3 * DAY).toISOString();
    for (const id of ['pics/a', 'pics/b']) emu.addAsset({ public_id: id, data: Buffer.from(`bytes of ${id}`), created_at: old, format: 'png' });
    emu.addAsset({ public_id: 'pics/used', created_at: old });
    await db.exec(`CREATE TABLE photos (id int, image text); INSERT INTO photos VALUES (1, 'pics/used')`);
    env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
    dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] } });
    expect((await runCli(['detect', '-o', 'r.csv'], { cwd: dir, env })).code).toBe(1);
    const del = await runCli(['delete', '--input', 'r.csv', '--confirm', '--backup-dir', 'backup'], { cwd: dir, env });
    expect(del.code, del.stderr).toBe(0);
  });
  afterAll(async () => {
    await emu?.stop();
    await other?.stop();
    await db?.close();
  });

  it('the manifest records the cloud, and restore refuses another cloud', async () => {
    const manifest = readFileSync(path.join(dir, 'backup', 'manifest.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(manifest.map((e) => e.cloudName)).toEqual(['restore-cloud', 'restore-cloud']);
    const run = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env: { ...env, CLOUDINARY_URL: other.cloudinaryUrl } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the backups are from cloud "restore-cloud" but CLOUDINARY_URL is for "other-cloud". Nothing was uploaded/);
    expect(other.assetCount).toBe(0);
  });

  it('an asset that exists already counts as skipped, not restored', async () => {
    const replacement = emu.addAsset({ public_id: 'pics/a', data: Buffer.from('a newer file'), format: 'png' });
    const run = await runCli(['restore', '--backup-dir', 'backup', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/pics\/a: an asset exists under this public_id already/);
    expect(run.stderr).toMatch(/Restored 1, skipped \(exists already\) 1, failed 0/);
    expect(emu.getAsset('image', 'upload', 'pics/a')?.asset_id).toBe(replacement.asset_id);
    expect(emu.getAsset('image', 'upload', 'pics/b')?.data?.toString()).toBe('bytes of pics/b');
  });

  it('a manifest entry whose path leaves the backup directory refuses the manifest', async () => {
    const escaped = workspace({ 'outside.png': 'not a backup' });
    const backup = path.join(escaped, 'backup');
    mkdirSync(backup);
    const entry = { cloudName: 'restore-cloud', publicId: 'pics/evil', resourceType: 'image', type: 'upload', format: 'png', bytes: 12, sha256: 'x'.repeat(64), assetId: 'a', createdAt: new Date().toISOString(), backedUpAt: new Date().toISOString() };
    for (const file of ['../outside.png', path.join(escaped, 'outside.png')]) {
      writeFileSync(path.join(backup, 'manifest.jsonl'), JSON.stringify({ ...entry, file }) + '\n');
      const run = await runCli(['restore', '--backup-dir', backup, '--confirm'], { cwd: escaped, env });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/refusing the backup manifest .*line 1: the path ".*outside\.png" leaves the backup directory/);
    }
    symlinkSync(escaped, path.join(backup, 'linked'));
    writeFileSync(path.join(backup, 'manifest.jsonl'), JSON.stringify({ ...entry, file: 'linked/outside.png' }) + '\n');
    const linked = await runCli(['restore', '--backup-dir', backup, '--confirm'], { cwd: escaped, env });
    expect(linked.code).toBe(2);
    expect(linked.stderr).toMatch(/leaves the backup directory/);
    expect(emu.getAsset('image', 'upload', 'pics/evil')).toBeUndefined();
  });
});
