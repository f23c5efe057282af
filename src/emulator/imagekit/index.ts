/**
 * A loopback HTTP server that answers the ImageKit API (list and search, file details, versions,
 * bulk delete, upload) and delivery well enough for the unmodified `@imagekit/nodejs` SDK. Tests
 * drive it through the SDK and perturb it through this class: latency, 429s, failures, a hook
 * that runs before each API call (a file deleted mid-scan at an exact moment).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mulberry32 } from '../prng.js';
import { createHandler, fileJson, urlEndpointOf, type IkRequest, type IkState, type RateWindow } from './server.js';
import { FileStore, type IkFile, type IkFileInput } from './store.js';

export type { IkFile, IkFileInput, IkRequest, RateWindow };

export interface ImageKitEmulatorOptions {
  urlEndpointId?: string;
  privateKey?: string;
  publicKey?: string;
  now?: () => number;
  latencyMs?: number;
  /** Calls allowed per interval (default 10,000 a second: tests never meet it unless they ask). */
  rate?: RateWindow;
  logRequests?: boolean;
}

export class ImageKitEmulator {
  private constructor(
    private readonly server: Server,
    private readonly s: IkState,
  ) {}

  static async start(o: ImageKitEmulatorOptions = {}): Promise<ImageKitEmulator> {
    const s: IkState = {
      urlEndpointId: o.urlEndpointId ?? 'demo',
      privateKey: o.privateKey ?? 'private_emulator0123456789=',
      publicKey: o.publicKey ?? 'public_emulator0123456789=',
      port: 0,
      now: o.now ?? Date.now,
      store: new FileStore(),
      latencyMs: o.latencyMs ?? 0,
      rate: o.rate ?? { limit: 10_000, intervalMs: 1000 },
      windowStart: 0,
      windowCalls: 0,
      apiCalls: 0,
      log: [],
      logRequests: o.logRequests ?? true,
      failures: [],
      timers: new Set(),
    };
    s.windowStart = s.now();
    const server = createServer(createHandler(s));
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    s.port = (server.address() as AddressInfo).port;
    return new ImageKitEmulator(server, s);
  }

  /** The SDK's `baseURL` (API and upload alike when overridden). */
  get baseURL(): string {
    return `http://127.0.0.1:${this.s.port}`;
  }

  /** Where files are delivered, like `https://ik.imagekit.io/<id>`. */
  get urlEndpoint(): string {
    return urlEndpointOf(this.s);
  }

  get urlEndpointId(): string {
    return this.s.urlEndpointId;
  }

  get privateKey(): string {
    return this.s.privateKey;
  }

  get publicKey(): string {
    return this.s.publicKey;
  }

  /** The STORAGE_URL naming this emulator (API and delivery on loopback). */
  get storageUrl(): string {
    const q = new URLSearchParams({ baseURL: this.baseURL, urlEndpoint: this.urlEndpoint });
    return `imagekit://${encodeURIComponent(this.s.publicKey)}:${encodeURIComponent(this.s.privateKey)}@${this.s.urlEndpointId}?${q}`;
  }

  addFile(f: IkFileInput): IkFile {
    return this.s.store.add(f, this.s.now());
  }

  addFiles(list: Iterable<IkFileInput>): void {
    const now = this.s.now();
    for (const f of list) this.s.store.add(f, now);
  }

  removeFile(fileId: string): boolean {
    return this.s.store.remove(fileId);
  }

  getFile(fileId: string): IkFile | undefined {
    return this.s.store.get(fileId);
  }

  fileAt(filePath: string): IkFile | undefined {
    return this.s.store.byPath(filePath);
  }

  files(): readonly IkFile[] {
    return this.s.store.all();
  }

  /** The API's JSON for a file, as list and details answer it. */
  json(f: IkFile): Record<string, unknown> {
    return fileJson(this.s, f);
  }

  get fileCount(): number {
    return this.s.store.size;
  }

  clearFiles(): void {
    this.s.store.clear();
  }

  /** API calls received (upload and delivery excluded), whatever their answer. */
  get apiCalls(): number {
    return this.s.apiCalls;
  }

  get requests(): readonly IkRequest[] {
    return this.s.log;
  }

  clearRequests(): void {
    this.s.log.length = 0;
  }

  setLatency(ms: number): void {
    this.s.latencyMs = Math.max(0, ms);
  }

  /** A new window starts now, with nothing spent. */
  setRateLimit(rate: RateWindow): void {
    this.s.rate = rate;
    this.s.windowStart = this.s.now();
    this.s.windowCalls = 0;
  }

  /** The next n API calls answer `status` (after auth and the rate limit, so they cost a call). */
  failNext(n: number, status: number): void {
    if (n > 0) this.s.failures.push({ remaining: n, status });
  }

  /** Awaited before each API call is handled (after its body is read, before auth): null removes it. */
  onRequest(hook: ((req: Omit<IkRequest, 'status'>) => void | Promise<void>) | null): void {
    this.s.hook = hook ?? undefined;
  }

  async stop(): Promise<void> {
    for (const t of this.s.timers) clearTimeout(t);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

/** Deterministic files for tests and the bench: `n` files over `folders` folders, `perSecond` a second (spread over its milliseconds) from `start`. */
export function* generateFiles(n: number, o: { seed?: number; start?: Date; folders?: number; perSecond?: number } = {}): Generator<IkFileInput> {
  const rng = mulberry32(o.seed ?? 1);
  const start = (o.start ?? new Date('2025-01-01T00:00:00Z')).getTime();
  const folders = o.folders ?? 20;
  const perSecond = o.perSecond ?? 1;
  for (let i = 0; i < n; i++) {
    const folder = Math.floor(rng() * folders);
    yield { filePath: `/f${folder.toString().padStart(2, '0')}/file-${i.toString().padStart(7, '0')}.jpg`, createdAt: start + Math.floor(i / perSecond) * 1000 + Math.floor(((i % perSecond) * 1000) / perSecond), size: 512 + Math.floor(rng() * 4096) };
  }
}
