/** The JSON report: the whole result, one document, stable key order. */
import type { DetectResult } from '../audit/result.js';

export const JSON_FORMAT_VERSION = 1;

export function renderJson(result: DetectResult, files: { csv?: string } = {}): string {
  return JSON.stringify({ format: 'asset-audit/detect', formatVersion: JSON_FORMAT_VERSION, ...result, files }, null, 2) + '\n';
}
