/** The JSON report: the whole result, one document, stable key order. */
import { once } from 'node:events';
import type { DetectResult } from '../audit/result.js';

export const JSON_FORMAT_VERSION = 1;

/** Characters gathered before a piece is handed on. */
const PIECE_CHARS = 1 << 16;

/**
 * Writes exactly what JSON.stringify(document, null, 2) + '\n' would, in pieces: top-level arrays
 * (the orphans and missing rows) element by element, so the whole document never exists as one
 * string.
 */
export function writeJson(result: DetectResult, files: { csv?: string }, write: (text: string) => void): void {
  for (const piece of jsonPieces(result, files)) write(piece);
}

/** The pieces writeJson writes, one at a time. */
export function* jsonPieces(result: DetectResult, files: { csv?: string }): Generator<string> {
  const document: Record<string, unknown> = { format: 'asset-audit/detect', formatVersion: JSON_FORMAT_VERSION, ...result, files };
  let piece = '';
  const full: string[] = [];
  const put = (text: string) => {
    piece += text;
    if (piece.length >= PIECE_CHARS) {
      full.push(piece);
      piece = '';
    }
  };
  const indent = (json: string, by: string) => json.replace(/\n/g, `\n${by}`);
  let first = true;
  put('{');
  // the findings may be spooled to disk (src/scan/sorted-spool.ts): read row by row, never as one array
  const rows = new Set<unknown>([result.orphans, result.missing, result.unverified]);
  const listed = (value: unknown): value is Iterable<unknown> & { length: number } => Array.isArray(value) || rows.has(value);
  for (const [key, value] of Object.entries(document)) {
    const text = listed(value) ? undefined : JSON.stringify(value, null, 2);
    if (!listed(value) && text === undefined) continue; // omitted, as JSON.stringify omits it
    put(`${first ? '' : ','}\n  ${JSON.stringify(key)}: `);
    first = false;
    if (!listed(value)) {
      put(indent(text!, '  '));
      continue;
    }
    if (value.length === 0) {
      put('[]');
      continue;
    }
    put('[');
    let i = 0;
    for (const item of value) {
      put(`${i++ ? ',' : ''}\n    ${indent(JSON.stringify(item, null, 2) ?? 'null', '    ')}`);
      yield* full.splice(0);
    }
    put('\n  ]');
    yield* full.splice(0);
  }
  put(first ? '}\n' : '\n}\n');
  yield* full.splice(0);
  if (piece) yield piece;
}

/**
 * Hands the pieces to `emit`, which writes them to `stream` (stdout for --json), waiting whenever
 * the stream falls behind: a pipe read slowly would otherwise queue the whole document in memory.
 */
export async function emitPieces(pieces: Iterable<string>, emit: (text: string) => void, stream: NodeJS.WritableStream & { writableLength: number }): Promise<void> {
  for (const piece of pieces) {
    emit(piece);
    if (stream.writableLength > 4 * PIECE_CHARS) await once(stream, 'drain');
  }
}

export function renderJson(result: DetectResult, files: { csv?: string } = {}): string {
  const parts: string[] = [];
  writeJson(result, files, (text) => parts.push(text));
  return parts.join('');
}
