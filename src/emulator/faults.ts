import type { FaultSettings } from './types.js';
import { mulberry32 } from './prng.js';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'respond'; status: number; body: string; contentType: string }
  | { kind: 'hang' }
  | { kind: 'truncate' };

const NONE: FaultDecision = { kind: 'none' };


function errorBody(status: number): string {
  const message = status === 420 || status === 429 ? 'Rate Limit Exceeded' : `Emulated failure (HTTP ${status})`;
  return JSON.stringify({ error: { message } });
}

function contentTypeOf(body: string): string {
  try {
    JSON.parse(body);
    return 'application/json; charset=utf-8';
  } catch {
    // Gateways in front of the real API answer 502/503/504 with HTML, which the SDK can't parse.
    return 'text/html; charset=utf-8';
  }
}

/**
 * Decides, per admin call, whether to misbehave. Scripted failures (failNext) come first and
 * are exact; random ones follow the configured rates. New fault kinds go into FaultDecision
 * and the server's switch over it.
 */
export class FaultInjector {
  private scripted: Array<{ remaining: number; status: number; body: string }> = [];
  private settings: FaultSettings | null = null;
  private rng: () => number = Math.random;

  configure(s: FaultSettings | null): void {
    this.settings = s;
    this.rng = s?.seed !== undefined ? mulberry32(s.seed) : Math.random;
  }

  failNext(n: number, status: number, body?: string): void {
    if (n > 0) this.scripted.push({ remaining: n, status, body: body ?? errorBody(status) });
  }

  decide(path: string): FaultDecision {
    const head = this.scripted[0];
    if (head) {
      head.remaining--;
      if (head.remaining <= 0) this.scripted.shift();
      return { kind: 'respond', status: head.status, body: head.body, contentType: contentTypeOf(head.body) };
    }
    const s = this.settings;
    if (!s || (s.onlyPaths && !s.onlyPaths.test(path))) return NONE;
    const r = this.rng();
    let edge = s.errorRate ?? 0;
    if (r < edge) {
      const status = s.status ?? 500;
      const body = errorBody(status);
      return { kind: 'respond', status, body, contentType: contentTypeOf(body) };
    }
    edge += s.hangRate ?? 0;
    if (r < edge) return { kind: 'hang' };
    edge += s.truncateRate ?? 0;
    if (r < edge) return { kind: 'truncate' };
    return NONE;
  }
}
