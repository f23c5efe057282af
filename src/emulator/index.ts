import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { RateLimiter } from './rate-limit.js';
import { normalizeAsset } from './resources.js';
import { createHandler, type EmulatorState, type RequestHook } from './server.js';
import { AssetStore } from './store.js';
import type {
  AssetInput,
  EmulatorAsset,
  EmulatorOptions,
  FaultSettings,
  RateLimitSettings,
  RequestLogEntry,
} from './types.js';

export type {
  AssetInput,
  DeliveryType,
  EmulatorAsset,
  EmulatorOptions,
  FaultSettings,
  RateLimitSettings,
  RequestLogEntry,
  ResourceType,
} from './types.js';
export type { RequestHook } from './server.js';
export { generateAssets, type GenerateOptions } from './generate.js';

/**
 * A loopback HTTP server that answers the Cloudinary Admin API (and a small part of the Upload
 * and delivery APIs) well enough for the unmodified `cloudinary` SDK. Tests drive it through the
 * SDK and inspect or perturb it through this class.
 */
export class CloudinaryEmulator {
  readonly cloudName: string;
  private readonly state: EmulatorState;

  private constructor(
    private readonly server: Server,
    state: EmulatorState,
  ) {
    this.state = state;
    this.cloudName = state.cloudName;
  }

  static async start(opts: EmulatorOptions = {}): Promise<CloudinaryEmulator> {
    const cloudName = opts.cloudName ?? 'demo-cloud';
    // The SDK takes the cloud name from a URL host (lower-cased) and the secret from the URL
    // password (not decoded), so anything else could never authenticate.
    if (!/^[a-z0-9_-]+$/.test(cloudName)) throw new Error(`cloudName must be lower-case [a-z0-9_-]: ${cloudName}`);
    const apiSecret = opts.apiSecret ?? 'emulator-secret-0123456789';
    const apiKey = opts.apiKey ?? '123456789012345';
    if (!/^[A-Za-z0-9_-]+$/.test(apiSecret) || !/^[A-Za-z0-9_-]+$/.test(apiKey)) {
      throw new Error('apiKey and apiSecret must be URL-safe ([A-Za-z0-9_-])');
    }
    const now = opts.now ?? (() => new Date());
    const state: EmulatorState = {
      cloudName,
      apiKey,
      apiSecret,
      now,
      store: new AssetStore(),
      limiter: new RateLimiter(opts.rateLimit ?? 5000, opts.rateLimitStatus ?? 420, now),
      faults: new FaultInjector(),
      deliveryFaults: new FaultInjector(),
      latencyMs: opts.latencyMs ?? 0,
      logRequests: opts.logRequests ?? true,
      log: [],
      adminCalls: 0,
      deliveryRequests: 0,
      deliveryUrls: opts.deliveryUrls ?? 'cloudinary',
      port: 0,
      timers: new Set(),
      hung: new Set(),
    };
    const server = createServer(createHandler(state));
    // Longer than typical client agent idle times, so a reused keep-alive socket is never
    // closed by us just as the SDK sends on it (that race shows up as sporadic ECONNRESET).
    server.keepAliveTimeout = 65_000;
    server.headersTimeout = 66_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    state.port = (server.address() as AddressInfo).port;
    return new CloudinaryEmulator(server, state);
  }

  get port(): number {
    return this.state.port;
  }

  get uploadPrefix(): string {
    return `http://127.0.0.1:${this.state.port}`;
  }

  get cloudinaryUrl(): string {
    const s = this.state;
    return `cloudinary://${s.apiKey}:${s.apiSecret}@${s.cloudName}?upload_prefix=${this.uploadPrefix}`;
  }

  get apiKey(): string {
    return this.state.apiKey;
  }

  get apiSecret(): string {
    return this.state.apiSecret;
  }

  /** Adds (or replaces) an asset. Defaults: image/upload, jpg (raw: extension of public_id), 1024 bytes, created now. */
  addAsset(a: AssetInput): EmulatorAsset {
    const { asset, ms } = normalizeAsset(a, this.state.now());
    this.state.store.put(asset, ms);
    return asset;
  }

  addAssets(list: Iterable<AssetInput>): void {
    const now = this.state.now();
    for (const a of list) {
      const { asset, ms } = normalizeAsset(a, now);
      this.state.store.put(asset, ms);
    }
  }

  removeAsset(resourceType: string, type: string, publicId: string): boolean {
    return this.state.store.remove(resourceType, type, publicId);
  }

  getAsset(resourceType: string, type: string, publicId: string): EmulatorAsset | undefined {
    return this.state.store.get(resourceType, type, publicId);
  }

  allAssets(): EmulatorAsset[] {
    return this.state.store.all();
  }

  get assetCount(): number {
    return this.state.store.size;
  }

  clearAssets(): void {
    this.state.store.clear();
  }

  /** Log of handled requests (empty when logRequests is false). Hung requests are logged with status -1. */
  get requests(): readonly RequestLogEntry[] {
    return this.state.log;
  }

  clearRequests(): void {
    this.state.log.length = 0;
  }

  /** Every request that reached an Admin API route, whatever its outcome (401 and 420 included). */
  get adminCalls(): number {
    return this.state.adminCalls;
  }

  get rateLimit(): { limit: number; remaining: number; resetAt: Date; status: 420 | 429; headers: boolean } {
    const l = this.state.limiter;
    return { limit: l.limit, remaining: l.remaining, resetAt: l.resetAt, status: l.status, headers: l.headersEnabled };
  }

  /** `limit` alone keeps the calls already spent this window; `remaining` sets the balance directly. */
  setRateLimit(o: RateLimitSettings): void {
    this.state.limiter.set(o);
  }

  /**
   * Called (and awaited) before each admin call and signed download is handled, with its parsed
   * params: a test can change the account or the database at an exact point of a client's run
   * instead of sleeping and hoping. null removes it.
   */
  onRequest(hook: RequestHook | null): void {
    this.state.hook = hook ?? undefined;
  }

  setLatency(ms: number): void {
    this.state.latencyMs = Math.max(0, ms);
  }

  /** Random faults on admin calls (after auth and budget, so a faulted call still costs one call). null turns them off. */
  injectFaults(f: FaultSettings | null): void {
    this.state.faults.configure(f);
  }

  /**
   * Random faults on delivery URLs and the signed download endpoint (GET/HEAD), which admin faults
   * never touch. `onlyPaths` matches `resource_type/type/[v123/]public_id[.ext]`. null turns them off.
   */
  injectDeliveryFaults(f: FaultSettings | null): void {
    this.state.deliveryFaults.configure(f);
  }

  /** The next n delivery/download requests answer `status`. */
  failNextDelivery(n: number, status: number): void {
    this.state.deliveryFaults.failNext(n, status);
  }

  /** The next n admin calls answer `status` with `body` (default: a JSON error body). Queued after earlier failNext calls. */
  failNext(n: number, status: number, body?: string): void {
    this.state.faults.failNext(n, status, body);
  }

  async stop(): Promise<void> {
    for (const t of this.state.timers) clearTimeout(t);
    this.state.timers.clear();
    for (const res of this.state.hung) res.socket?.destroy();
    this.state.hung.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
