/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The review page in a real browser (Debian's Chromium through playwright-core): a detect run
 * against the emulator writes the page, thumbnails load from the emulator, filters and selection
 * work, and the exported confirmed report is what `delete --confirm` deletes — exactly that.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudinaryEmulator } from '../../src/emulator/index.js';
import { renderHtml } from '../../src/report/html.js';
import { runCli, workspace } from '../support/cli.js';
import { startDatabase, type TestDatabase } from '../support/database.js';
import { reviewResult } from '../unit/review-fixture.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Where the run leaves its screenshot (gitignored); docs/review-page.png is a copy of it. */
export const SCREENSHOT = path.resolve('test-output/review-page.png');
if (!HAVE_CHROMIUM) console.warn(`SKIPPED: review-page browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium; .ci/run installs it). Nothing was checked in a browser.`);

const DAY = 86_400_000;
const HOSTILE = `hostile/"quoted' </script><script>alert(1)</script>`;

describe.skipIf(!HAVE_CHROMIUM)('review page in Chromium', () => {
  let emu: CloudinaryEmulator;
  let db: TestDatabase;
  let browser: BrowserContext;
  let dir: string;
  let env: Record<string, string>;
  let page: Page;
  const dialogs: string[] = [];

  beforeAll(async () => {
    emu = await CloudinaryEmulator.start({ cloudName: 'review-cloud', apiKey: '77', apiSecret: 'review-secret', deliveryUrls: 'emulator' });
    db = await startDatabase();
    const old = (d: number) => new Date(Date.now() - d * DAY).toISOString();
    for (let i = 0; i < 3; i++) emu.addAsset({ public_id: `used/${i}`, created_at: old(40) });
    for (let i = 0; i < 6; i++) emu.addAsset({ public_id: `old/${i}`, bytes: 100_000 * (i + 1), created_at: old(30 + i) });
    for (let i = 0; i < 4; i++) emu.addAsset({ public_id: `banners/${i}`, bytes: 3_000_000, created_at: old(5) });
    emu.addAsset({ public_id: 'clips/intro', resource_type: 'video', format: 'mp4', bytes: 9_000_000, created_at: old(12) });
    emu.addAsset({ public_id: 'docs/manual.pdf', resource_type: 'raw', bytes: 50_000, created_at: old(12) });
    emu.addAsset({ public_id: 'secret/plan', type: 'private', created_at: old(12) });
    emu.addAsset({ public_id: HOSTILE, created_at: old(12) });
    await db.exec('CREATE TABLE photos (id int PRIMARY KEY, image text)');
    await db.exec(`INSERT INTO photos VALUES (0, 'used/0'), (1, 'used/1'), (2, 'used/2')`);
    env = { CLOUDINARY_URL: emu.cloudinaryUrl, DATABASE_URL: db.url };
    dir = workspace({ 'asset-audit.config.json': { references: [{ name: 'photos', table: 'photos', column: 'image', id: 'id' }] } });
    const detect = await runCli(['detect', '--all', '-o', 'report.csv', '--no-email'], { cwd: dir, env });
    expect(detect.code, detect.stderr).toBe(1);
    // a fresh profile each run (playwright passes it as --user-data-dir)
    browser = await chromium.launchPersistentContext(mkdtempSync(path.join(tmpdir(), 'chromium-')), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      acceptDownloads: true,
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (err) => dialogs.push(`page error: ${err.message}`));
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(path.join(dir, 'report.html')).href);
    await page.waitForSelector('body[data-ready="true"]');
  });
  afterAll(async () => {
    await browser?.close();
    await emu?.stop();
    await db?.close();
  });

  const shown = () => page.locator('#sel-status').textContent();

  it('renders the detect run, every thumbnail loads from the emulator, and hostile ids stay text', async () => {
    expect(await page.locator('h2#orphans-h').textContent()).toBe('Orphaned files (14)');
    expect(await page.locator('#orphan-list li').count()).toBe(14);
    // 6 old + 4 banners + the hostile one (images) + the video poster; raw and private are placeholders
    await page.evaluate(() => document.querySelectorAll('#orphan-list img').forEach((img) => img.scrollIntoView()));
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#orphan-list img')].every((img) => img.complete && img.naturalWidth > 0), undefined, { timeout: 20_000 });
    expect(await page.locator('#orphan-list img').count()).toBe(12);
    const derived = emu.requests.filter((r) => r.kind === 'delivery' && r.path.includes('/c_fill,w_160,h_160'));
    expect(derived.length).toBeGreaterThanOrEqual(12);
    expect(derived.every((r) => r.status === 200)).toBe(true);
    expect(await page.getByText('RAW file (no preview)').count()).toBe(1);
    expect(await page.getByText('private asset: preview off').count()).toBe(1);
    expect(await page.locator('.pid', { hasText: HOSTILE }).count()).toBe(1);
    expect(dialogs).toEqual([]);
  });

  it('with --html-signed-thumbnails shows private assets through signed URLs, never the secret', async () => {
    const detect = await runCli(['detect', '--all', '-o', 'signed.csv', '--no-email', '--html-signed-thumbnails'], { cwd: dir, env });
    expect(detect.code, detect.stderr).toBe(1);
    const html = readFileSync(path.join(dir, 'signed.html'), 'utf8');
    expect(html).not.toContain('review-secret');
    expect(html).toMatch(/\/image\/private\/s--[\w-]{8}--\/c_fill,w_160,h_160,f_auto,q_auto\/v\d+\/secret\/plan\.jpg/);
    const signed = await browser.newPage();
    await signed.goto(pathToFileURL(path.join(dir, 'signed.html')).href);
    await signed.waitForSelector('body[data-ready="true"]');
    await signed.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#orphan-list img')].every((img) => img.complete && img.naturalWidth > 0), undefined, { timeout: 20_000 });
    expect(await signed.locator('#orphan-list img').count()).toBe(13);
    expect(await signed.getByText('private asset: preview off').count()).toBe(0);
    await signed.close();
  });

  it('filters by search, type, size, age and prefix, in grid and table view', async () => {
    await page.fill('#f-search', 'banners');
    expect(await shown()).toContain('shown: 4 of 14');
    await page.fill('#f-search', '');
    await page.selectOption('#f-rtype', 'video');
    expect(await shown()).toContain('shown: 1 of 14');
    await page.selectOption('#f-rtype', '');
    await page.fill('#f-size', '2');
    expect(await shown()).toContain('shown: 5 of 14');
    await page.fill('#f-size', '');
    await page.fill('#f-age', '20');
    expect(await shown()).toContain('shown: 6 of 14');
    await page.fill('#f-age', '');
    await page.check('input[name=view][value=table]');
    expect(await page.locator('#orphan-head').isVisible()).toBe(true);
    await page.check('input[name=view][value=grid]');
    await page.fill('#f-folder', 'old/');
    expect(await shown()).toContain('shown: 6 of 14');
  });

  it('selects by keyboard, keeps a running total, and the export is what delete --confirm deletes, exactly', async () => {
    await page.click('#select-view');
    expect(await shown()).toMatch(/^Selected: 6 file\(s\), 2\.0 MB/);
    // sorted by upload date, oldest first: old/5 comes first; untick it with the keyboard
    await page.locator('#orphan-list input[type=checkbox]').first().focus();
    await page.keyboard.press('Space');
    expect(await shown()).toMatch(/^Selected: 5 file\(s\), 1\.4 MB/);
    await page.fill('#f-folder', '');
    await page.evaluate(() => window.scrollTo(0, 0));
    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    expect(download.suggestedFilename()).toBe('report.confirmed.csv');
    const exported = path.join(dir, download.suggestedFilename());
    await download.saveAs(exported);
    const original = readFileSync(path.join(dir, 'report.csv'), 'utf8');
    const lines = readFileSync(exported, 'utf8').split('\n').filter((l) => l.startsWith('old/'));
    expect(lines).toHaveLength(5);
    for (const l of lines) expect(original).toContain(`${l}\n`);
    expect(await page.locator('#export-status').textContent()).toContain('asset-audit delete --input report.confirmed.csv');

    // delete names asset_ids (never public_ids): map the ids it sent back to what they were
    const publicIdOf = new Map(emu.allAssets().map((a) => [a.asset_id, a.public_id]));
    const run = await runCli(['delete', '--input', 'report.confirmed.csv', '--confirm'], { cwd: dir, env });
    expect(run.code, run.stderr).toBe(0);
    const sent = emu.requests.filter((r) => r.kind === 'admin' && r.method === 'DELETE').flatMap((r) => [r.params.asset_ids ?? []].flat().map(String));
    const deleted = sent.map((id) => publicIdOf.get(id) ?? `unknown asset_id ${id}`);
    expect(deleted.sort()).toEqual(['old/0', 'old/1', 'old/2', 'old/3', 'old/4']);
  });

  it('delete finds the twin through --report when the export sits elsewhere', async () => {
    const elsewhere = workspace({ 'asset-audit.config.json': readFileSync(path.join(dir, 'asset-audit.config.json'), 'utf8') });
    writeFileSync(path.join(elsewhere, 'picked.csv'), readFileSync(path.join(dir, 'report.confirmed.csv')));
    const without = await runCli(['delete', '--input', 'picked.csv'], { cwd: elsewhere, env });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('--report');
    const withReport = await runCli(['delete', '--input', 'picked.csv', '--report', path.join(dir, 'report.json')], { cwd: elsewhere, env });
    expect(withReport.stderr).toContain('5 orphan(s) listed');
    expect(withReport.stderr).toContain('Already gone from Cloudinary: 5');
  });

  it('a --missing-only page has no orphan section and runs without errors', async () => {
    const r = reviewResult();
    const file = path.join(dir, 'missing-only.html');
    writeFileSync(file, renderHtml({ ...r, scope: { ...r.scope, orphans: false }, orphans: [] }, { reportName: 'missing-only' }));
    const errors: string[] = [];
    const p = await browser.newPage();
    p.on('pageerror', (err) => errors.push(err.message));
    await p.route(/^https?:/, (route) => route.abort());
    await p.goto(pathToFileURL(file).href);
    await p.waitForSelector('body[data-ready="true"]');
    expect(await p.locator('#orphans-h').count()).toBe(0);
    expect(await p.locator('table.missing tbody tr').count()).toBe(3);
    expect(await p.locator('table.missing a').count()).toBe(2); // the javascript: URL is not a link
    expect(errors).toEqual([]);
    await p.close();
  });

  it('renders only what is visible with 10,000 orphans, and selects all of a filter', async () => {
    const base = reviewResult().orphans.slice(0, 1)[0]!;
    const orphans = Array.from({ length: 10_000 }, (_, i) => ({ ...base, publicId: `bulk/${String(i).padStart(5, '0')}`, bytes: 1_048_576 }));
    const file = path.join(dir, 'bulk.html');
    writeFileSync(file, renderHtml(reviewResult({ orphans, orphanBytes: orphans.length * 1_048_576 }), { reportName: 'bulk' }));
    const bulk = await browser.newPage();
    await bulk.route(/^https?:/, (route) => route.abort()); // no network: the fixture's URLs point at Cloudinary
    await bulk.goto(pathToFileURL(file).href);
    await bulk.waitForSelector('body[data-ready="true"]');
    expect(await bulk.locator('#orphan-list li').count()).toBeLessThan(200);
    await bulk.evaluate(() => document.getElementById('orphan-scroller')!.scrollTo(0, 1e9));
    await bulk.waitForSelector('#orphan-list li[aria-posinset="10000"]');
    expect(await bulk.locator('#orphan-list li').count()).toBeLessThan(200);
    await bulk.fill('#f-search', 'bulk/00');
    await bulk.click('#select-view');
    expect(await bulk.locator('#sel-status').textContent()).toMatch(/^Selected: 1,000 file\(s\), 1000\.0 MB · shown: 1,000 of 10,000/);
    await bulk.close();
  });
});
