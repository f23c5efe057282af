/**
 * Which store to audit, chosen by URL: `--storage URL`, else STORAGE_URL, else config
 * `storage.url`, else CLOUDINARY_URL (the default). The scheme picks the backend from a registry;
 * each backend parses the rest of its URL itself: `cloudinary:`, `file:` (a media folder), `s3:`
 * (an S3-compatible bucket), `imagekit:`.
 */
import { usageError } from '../errors.js';
import type { FileConfig } from '../config/schema.js';
import { parseCloudinaryUrl } from '../config/cloudinary-url.js';
import type { StorageBackend, StorageFlags } from './backend.js';
import { CLOUDINARY_PARTITIONS } from './cloudinary/partitions.js';
import { LOCAL_PARTITION } from './local/partition.js';
import { parseFileUrl } from './local/url.js';
import { parseImageKitUrl } from './imagekit/config.js';
import { IMAGEKIT_PARTITION } from './imagekit/partition.js';
import { S3_PARTITIONS } from './s3/partitions.js';
import { parseS3Url } from './s3/url.js';
import type { Partition } from './types.js';

/** A parsed choice of store, not yet connected (doctor reports it before contacting anything). */
export interface StorageTarget {
  /** The backend's name, e.g. `cloudinary`. */
  name: string;
  /** The account (Cloudinary: the cloud name). */
  account: string;
  /** The account as a log line names it, e.g. `cloud "demo"`. */
  label: string;
  /** What doctor calls the store, e.g. `Cloudinary`, `media folder`. */
  title: string;
  /** The backend's partitions, known before connecting (scope flags are checked against them). */
  partitions: readonly Partition[];
  /** Where the URL came from: `--storage`, `STORAGE_URL`, `storage.url` or `CLOUDINARY_URL`. */
  origin: string;
  /** The URL with its secret masked. */
  masked: string;
  open(flags?: StorageFlags): Promise<StorageBackend>;
}

interface BackendEntry {
  name: string;
  schemes: readonly string[];
  example: string;
  parse: (url: string, origin: string, config: Pick<FileConfig, 'cloudinary' | 'storage'>, flags: StorageFlags, env: NodeJS.ProcessEnv) => StorageTarget;
}

const cloudinaryEntry: BackendEntry = {
  name: 'cloudinary',
  schemes: ['cloudinary'],
  example: 'cloudinary://API_KEY:API_SECRET@CLOUD_NAME',
  parse(url, origin, config) {
    // the error texts name CLOUDINARY_URL; for another origin the variable's name is swapped in
    let credentials;
    try {
      credentials = parseCloudinaryUrl(url);
    } catch (err) {
      if (origin !== 'CLOUDINARY_URL' && err instanceof Error) err.message = err.message.replaceAll('CLOUDINARY_URL', origin);
      throw err;
    }
    return {
      name: 'cloudinary',
      account: credentials.cloudName,
      label: `cloud "${credentials.cloudName}"`,
      title: 'Cloudinary',
      partitions: CLOUDINARY_PARTITIONS,
      origin,
      masked: credentials.masked,
      async open(flags = {}) {
        const { CloudinaryStorage } = await import('./cloudinary/client.js');
        const { RateLimitGuard } = await import('./cloudinary/guard.js');
        const guard = new RateLimitGuard({ warnAt: flags.warnAt ?? 0.8, stopAt: flags.stopAt ?? 0.95, onWarn: flags.onWarn });
        const retry = { ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}), ...(flags.retryAttempts !== undefined ? { attempts: flags.retryAttempts } : {}) };
        return CloudinaryStorage.create({ credentials, hosts: config.cloudinary.hosts, guard, retry, onRetry: flags.onRetry, concurrency: flags.concurrency, onConcurrency: flags.onConcurrency });
      },
    };
  },
};

const localEntry: BackendEntry = {
  name: 'local folder',
  schemes: ['file'],
  example: 'file:///srv/app/media',
  parse(url, origin, config, flags) {
    const root = parseFileUrl(url, origin, flags.configDir ?? process.cwd());
    return {
      name: 'local',
      account: root,
      label: `folder ${JSON.stringify(root)}`,
      title: 'media folder',
      partitions: [LOCAL_PARTITION],
      origin,
      masked: url,
      async open(openFlags = {}) {
        const { openLocalFolder } = await import('./local/open.js');
        return openLocalFolder(root, origin, config.storage ?? {}, openFlags);
      },
    };
  },
};

const imagekitEntry: BackendEntry = {
  name: 'ImageKit',
  schemes: ['imagekit'],
  example: 'imagekit://PUBLIC_KEY:PRIVATE_KEY@URL_ENDPOINT_ID',
  parse(url, origin, config, _flags, env) {
    const credentials = parseImageKitUrl(url, origin, env);
    return {
      name: 'imagekit',
      account: credentials.urlEndpointId,
      label: `ImageKit library "${credentials.urlEndpointId}"`,
      title: 'ImageKit',
      partitions: [IMAGEKIT_PARTITION],
      origin,
      masked: credentials.masked,
      async open(flags = {}) {
        const { ImageKitStorage } = await import('./imagekit/client.js');
        const { ImageKitGuard, DEFAULT_MAX_PAUSE_MS } = await import('./imagekit/guard.js');
        const guard = new ImageKitGuard({ warnAt: flags.warnAt ?? 0.8, stopAt: flags.stopAt ?? 0.95, maxPauseMs: DEFAULT_MAX_PAUSE_MS, onNotice: flags.onNotice });
        const retry = { ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}), ...(flags.retryAttempts !== undefined ? { attempts: flags.retryAttempts } : {}) };
        return new ImageKitStorage({ credentials, hosts: config.storage?.hosts ?? [], guard, retry, onRetry: flags.onRetry });
      },
    };
  },
};

const s3Entry: BackendEntry = {
  name: 'S3-compatible bucket',
  schemes: ['s3'],
  example: 's3://BUCKET[/PREFIX]?region=REGION[&endpoint=URL&forcePathStyle=true]',
  parse(url, origin, config) {
    const location = parseS3Url(url, origin);
    return {
      name: 's3',
      account: location.bucket,
      label: `bucket "${location.bucket}"${location.prefix ? ` under "${location.prefix}"` : ''}${location.endpoint ? ` at ${location.endpoint}` : ''}`,
      title: 'S3 bucket',
      partitions: S3_PARTITIONS,
      origin,
      // nothing secret: credentials come from the AWS chain, never from this URL
      masked: location.display,
      async open(flags = {}) {
        const { S3Storage } = await import('./s3/client.js');
        const retry = { ...(flags.deadlineMs !== undefined ? { deadlineMs: flags.deadlineMs } : {}), ...(flags.retryAttempts !== undefined ? { attempts: flags.retryAttempts } : {}) };
        return new S3Storage({ location, hosts: config.storage?.hosts ?? [], retry, onRetry: flags.onRetry, onNotice: flags.onNotice });
      },
    };
  },
};

/** The registry, by URL scheme: each backend parses its own URL. */
export const BACKENDS: readonly BackendEntry[] = [
  cloudinaryEntry,
  localEntry,
  s3Entry,
  imagekitEntry,
];

const supported = (): string => BACKENDS.map((b) => `${b.schemes.map((s) => `${s}:`).join('/')} (${b.example})`).join(', ');

/** The URL that names the store, and where it came from. */
function chooseUrl(config: Pick<FileConfig, 'storage'>, env: NodeJS.ProcessEnv, flags: StorageFlags): { url: string | undefined; origin: string } {
  if (flags.storage !== undefined) return { url: flags.storage, origin: '--storage' };
  if (env.STORAGE_URL) return { url: env.STORAGE_URL, origin: 'STORAGE_URL' };
  if (config.storage?.url) return { url: config.storage.url, origin: 'storage.url' };
  return { url: env.CLOUDINARY_URL, origin: 'CLOUDINARY_URL' };
}

/** The setting the store is chosen by (names it in messages). */
export function storageOrigin(config: Pick<FileConfig, 'storage'>, env: NodeJS.ProcessEnv = process.env, flags: StorageFlags = {}): string {
  return chooseUrl(config, env, flags).origin;
}

/** Whether any setting names a store (init runs without one, on URL forms alone). */
export function storageChosen(config: Pick<FileConfig, 'storage'>, env: NodeJS.ProcessEnv = process.env, flags: StorageFlags = {}): boolean {
  return Boolean(chooseUrl(config, env, flags).url);
}

/** Parses the chosen store's URL without connecting: usage errors name the setting to fix. */
export function parseStorage(config: Pick<FileConfig, 'storage' | 'cloudinary'>, env: NodeJS.ProcessEnv = process.env, flags: StorageFlags = {}): StorageTarget {
  const { url, origin } = chooseUrl(config, env, flags);
  // the default store keeps its own messages (CLOUDINARY_URL is not set, …)
  if (origin === 'CLOUDINARY_URL') return cloudinaryEntry.parse(url ?? '', origin, config, flags, env);
  const text = (url ?? '').trim();
  if (!text) throw usageError(`${origin} is empty. Supported: ${supported()}.`);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  const entry = BACKENDS.find((b) => scheme !== undefined && b.schemes.includes(scheme));
  if (!entry) throw usageError(`${origin}: unknown storage scheme ${scheme ? `"${scheme}:"` : '(none)'}. Supported: ${supported()}.`);
  return entry.parse(text, origin, config, flags, env);
}

/** Chooses the store by URL (see the file comment) and opens its backend. */
export async function openStorage(config: Pick<FileConfig, 'storage' | 'cloudinary'>, env: NodeJS.ProcessEnv = process.env, flags: StorageFlags = {}): Promise<StorageBackend> {
  return parseStorage(config, env, flags).open(flags);
}
