import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ANNOTATION_LIMIT, escapeData, escapeProperty, githubAnnotations, githubSummary } from '../../src/report/github.js';
import { reviewResult } from './review-fixture.js';

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), 'utf8');

describe('GitHub Actions output', () => {
  it('summary and annotations match the golden files', () => {
    const r = reviewResult();
    expect(githubSummary(r, 'asset_detection_2026-01-01_000000.csv')).toBe(golden('github-summary.md'));
    expect(githubAnnotations(r).join('\n') + '\n').toBe(golden('github-annotations.txt'));
  });

  it('escapes workflow-command data and properties', () => {
    expect(escapeData('100%\r\nnext')).toBe('100%25%0D%0Anext');
    expect(escapeProperty('a,b:c%\n')).toBe('a%2Cb%3Ac%25%0A');
  });

  it('caps the annotations and says how many more there are', () => {
    const base = reviewResult().missing.slice(1, 2)[0]!;
    const missing = Array.from({ length: ANNOTATION_LIMIT + 7 }, (_, i) => ({ ...base, recordId: String(i), status: 'ACTIVE' }));
    const lines = githubAnnotations(reviewResult({ missing, complete: false, incompleteReason: 'stopped: SIGTERM' }));
    expect(lines.filter((l) => l.startsWith('::error '))).toHaveLength(ANNOTATION_LIMIT);
    expect(lines[0]).toMatch(/^::warning title=asset-audit%3A incomplete scan::The scan stopped early \(stopped: SIGTERM\)/);
    expect(lines.at(-1)).toMatch(/^::warning .*::7 more ACTIVE record\(s\)/);
    // one command per line, whatever the data holds
    for (const l of lines) expect(l).not.toMatch(/[\r\n]/);
  });
});
