export type ResourceType = 'image' | 'video' | 'raw';
export type DeliveryType = 'upload' | 'private' | 'authenticated';

export const RESOURCE_TYPES: readonly ResourceType[] = ['image', 'video', 'raw'];
export const DELIVERY_TYPES: readonly DeliveryType[] = ['upload', 'private', 'authenticated'];

export interface EmulatorAsset {
  public_id: string;
  resource_type: ResourceType;
  type: DeliveryType;
  format: string;
  bytes: number;
  /** ISO 8601, second precision, e.g. 2025-01-02T03:04:05Z (the real API has no sub-second part). */
  created_at: string;
  asset_id: string;
  version: number;
  width?: number;
  height?: number;
  /** Stored file content, served by the delivery route. Absent for generated assets. */
  data?: Buffer;
}

export type AssetInput = Partial<EmulatorAsset> & { public_id: string };

export interface EmulatorOptions {
  /** Default 'demo-cloud'. Must be lower case: the SDK reads it from a URL host name. */
  cloudName?: string;
  apiKey?: string;
  /** Must be URL-safe: the SDK does not percent-decode CLOUDINARY_URL. */
  apiSecret?: string;
  /** Admin API calls allowed per hourly window. Default 5000. */
  rateLimit?: number;
  /** Delay applied to every request before it is handled. */
  latencyMs?: number;
  /** 420 like the classic API (default), or 429 like newer deployments. */
  rateLimitStatus?: 420 | 429;
  /** Clock for created_at defaults, rate-limit windows and relative search dates. */
  now?: () => Date;
  /** Keep a log of every request in `requests`. Default true; turn off for huge benchmarks. */
  logRequests?: boolean;
  /** Fixed port; default 0 (any free port). */
  port?: number;
  /**
   * Where `url`/`secure_url` in resource bodies point. 'cloudinary' (default) mimics the real
   * res.cloudinary.com URLs; 'emulator' points them at this server's delivery route so they can
   * actually be downloaded.
   */
  deliveryUrls?: 'cloudinary' | 'emulator';
}

export interface RequestLogEntry {
  kind: 'admin' | 'upload' | 'delivery' | 'unknown';
  method: string;
  /** Raw path without the query string, as received. */
  path: string;
  /** Path segments after /v1_1/CLOUD (admin, upload) or after /CLOUD (delivery), percent-decoded. */
  segments: string[];
  params: Record<string, unknown>;
  status: number;
}

export interface RateLimitSettings {
  limit?: number;
  remaining?: number;
  resetAt?: Date;
  status?: 420 | 429;
  /** Whether X-FeatureRateLimit-* headers are sent at all. */
  headers?: boolean;
}

export interface FaultSettings {
  /** Probability (0..1) that an admin call answers `status` with a JSON error. */
  errorRate?: number;
  /** Status for errorRate faults. Default 500. */
  status?: number;
  /** Probability that an admin call never answers (the socket stays open until the client gives up). */
  hangRate?: number;
  /** Probability that an admin call sends headers and half the body, then drops the connection. */
  truncateRate?: number;
  /** Seed for the fault PRNG so a failing run can be replayed. */
  seed?: number;
  /** Only admin paths (decoded, relative to /v1_1/CLOUD/, e.g. "resources/image/upload") matching this get random faults. */
  onlyPaths?: RegExp;
}
