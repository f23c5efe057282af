/**
 * Existence by HTTP HEAD (`detect --verify head`): a delivery URL or a signed download URL
 * answers 200 when the asset exists and 404 when it does not, without spending the Admin API
 * budget. Only those two answers settle anything: a 5xx, a timeout, 401/403 or any other status
 * leaves the question open (never "absent"). Redirects are followed a little way, but after one
 * only a 200 counts: a 404 from somewhere Cloudinary sent us proves nothing about the asset.
 */
import http from 'node:http';
import https from 'node:https';
import { StorageError } from './errors.js';
import { retrying, withDeadline, type RetryPolicy } from './retry.js';

/**
 * HEAD requests in flight at once. Delivery is served by a CDN and costs no Admin API budget, so
 * this is about being a polite client and bounding sockets and memory, not about a quota: 16
 * keeps a 2-core machine busy without opening hundreds of connections to one host.
 */
export const HEAD_CONCURRENCY = 16;
/** Redirects followed before giving up on an answer (the download endpoint may redirect to the CDN). */
export const MAX_REDIRECTS = 2;

/** A HEAD is cheap and its failure costs nothing but an unverified reference: fewer, shorter retries than an Admin API call. */
export const HEAD_RETRY: Omit<RetryPolicy, 'deadlineMs'> = {
  attempts: 3,
  baseDelayMs: 200,
  maxDelayMs: 2_000,
  totalBudgetMs: 30_000,
};

export type HeadOutcome = { status: 'exists' } | { status: 'absent' } | { status: 'unknown'; reason: string };

export class HeadProbe {
  requests = 0;
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: HEAD_CONCURRENCY }),
    https: new https.Agent({ keepAlive: true, maxSockets: HEAD_CONCURRENCY }),
  };

  constructor(private readonly options: { deadlineMs: number; onRetry?: (message: string) => void }) {}

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** What `url` says about the asset it names; `what` names the asset in messages (the URL may hold a signature). */
  async check(url: string, what: string, signal?: AbortSignal): Promise<HeadOutcome> {
    let target = url;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      let status: number;
      let location: string | undefined;
      try {
        ({ status, location } = await retrying(
          { ...HEAD_RETRY, deadlineMs: this.options.deadlineMs },
          () => this.once(target, what, signal),
          (err, n, delay) => this.options.onRetry?.(`${err.message} — retry ${n} in ${(delay / 1000).toFixed(1)} s`),
        ));
      } catch (err) {
        return { status: 'unknown', reason: err instanceof Error ? err.message : String(err) };
      }
      if (status === 200) return { status: 'exists' };
      // only the URL we built can prove absence
      if (status === 404) return hop === 0 ? { status: 'absent' } : { status: 'unknown', reason: `HEAD ${what}: 404 after a redirect` };
      if (status >= 300 && status < 400 && location) {
        try {
          target = new URL(location, target).toString();
        } catch {
          return { status: 'unknown', reason: `HEAD ${what}: HTTP ${status} to an unusable location` };
        }
        continue;
      }
      return { status: 'unknown', reason: `HEAD ${what}: HTTP ${status}` };
    }
    return { status: 'unknown', reason: `HEAD ${what}: more than ${MAX_REDIRECTS} redirects` };
  }

  /** One HEAD; 5xx, timeouts and connection failures throw retryable errors. */
  private async once(url: string, what: string, signal?: AbortSignal): Promise<{ status: number; location?: string }> {
    const u = new URL(url);
    const secure = u.protocol === 'https:';
    if (!secure && u.protocol !== 'http:') throw new StorageError('bad_request', `HEAD ${what}: unsupported URL scheme ${u.protocol}`);
    this.requests++;
    let req: http.ClientRequest | undefined;
    const answer = new Promise<{ status: number; location?: string }>((resolve, reject) => {
      req = (secure ? https : http).request(u, { method: 'HEAD', agent: secure ? this.agents.https : this.agents.http, signal }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
        if (status >= 500) reject(new StorageError('server', `HEAD ${what}: HTTP ${status}`, status));
        else resolve({ status, location });
      });
      // an abort (SIGINT/SIGTERM) is not retried
      req.on('error', (err: NodeJS.ErrnoException) => reject(signal?.aborted ? new Error(`HEAD ${what}: aborted`) : new StorageError('network', `HEAD ${what}: ${err.code ?? ''} ${err.message}`.replace(/\s+/g, ' '))));
      req.end();
    });
    return withDeadline(answer, this.options.deadlineMs, `HEAD ${what}`).catch((err: unknown) => {
      // free the socket of a request that will never answer
      if (err instanceof StorageError && err.kind === 'timeout') req?.destroy(err);
      throw err;
    });
  }
}
