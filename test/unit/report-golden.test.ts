/**
 * The report bytes for one fixed result, locked: the storage seam (section titles and key column
 * from the backend) must leave a Cloudinary report byte-identical. Update the golden files only on
 * a deliberate format change.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCsv } from '../../src/report/csv.js';
import { renderJson } from '../../src/report/json.js';
import { goldenResult } from '../support/golden-result.js';

const golden = (name: string) => readFileSync(path.join(import.meta.dirname, 'golden', name), 'utf8');

describe('report bytes (golden)', () => {
  it('CSV for Cloudinary', () => {
    expect(renderCsv(goldenResult())).toBe(golden('report.csv'));
  });
  it('JSON twin for Cloudinary', () => {
    expect(renderJson(goldenResult(), { csv: 'report.csv' })).toBe(golden('report.json'));
  });
});

describe('the backend in the result', () => {
  it('a Cloudinary result names its backend in the JSON twin only; the CSV is unchanged', () => {
    const base = goldenResult();
    // where detect puts it: right after `tool`
    const { tool, ...rest } = base;
    const result = { tool, backend: 'cloudinary', ...rest };
    expect(renderCsv(result)).toBe(golden('report.csv'));
    const json = golden('report.json').replace(/("tool": \{[^}]*\n {2}\},)/, '$1\n  "backend": "cloudinary",');
    expect(renderJson(result, { csv: 'report.csv' })).toBe(json);
  });
});
