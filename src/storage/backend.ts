/**
 * A storage backend as the audit sees it: one interface, capabilities explicit. Required members
 * are what every store can answer (list, look up, delete by stable id, its reference grammar);
 * optional members are optional capabilities (time windows, a budget, HEAD checks, upload), found by
 * presence, never by the backend's name. Cloudinary is one backend (src/storage/cloudinary/); a
 * local folder, S3 or ImageKit implement the same interface.
 */
import type { AssetKey, ParsedReference } from '../references/types.js';
import type { AccountUsage, Budget, DeleteOutcome, ListPage, ListPageRequest, Partition, SearchPage, SearchPageRequest, StoredAsset } from './types.js';

/** The store's own limits on one call. */
export interface StorageLimits {
  /** Assets per listing page. */
  pageSize: number;
  /** Ids per lookup call. */
  lookupBatch: number;
  /** Stable ids per delete call. */
  deleteBatch: number;
  /** HEAD requests in flight at once (with `head`). */
  headConcurrency?: number;
  /**
   * listPage honours `startAt` (created at or after it, oldest first, by the same listing that
   * proves absence): a long chain can then be split into upload-time windows that still prove it.
   */
  listsFrom?: boolean;
}

export type ExtractMode = 'value' | 'text' | 'auto';

/** One reference found in a stored value: the text it was read from and what it names. */
export interface FoundReference {
  raw: string;
  parsed: ParsedReference;
}

/**
 * How stored values name this store's files. The backend owns it: Cloudinary's URL and public_id
 * forms live under src/storage/cloudinary/grammar/; a folder's grammar is small.
 */
export interface ReferenceGrammar {
  /** Every reference in one stored value, read as `mode` says (a bare value, text, or either). */
  referencesIn(value: string, mode: ExtractMode, hint?: string): FoundReference[];
  /** What a value the grammar refused may still name: protected, never required. */
  fallback(raw: string, refused: Exclude<ParsedReference, { kind: 'asset' }>, hint?: string): AssetKey[];
  /** The string leaves of a JSON document read as bare ids: protected, never required. */
  jsonLeaves(document: unknown, hint?: string): AssetKey[];
  /** A row's type column (e.g. `resource_type`) as a hint for bare ids, when this store knows the value. */
  hintOf(value: unknown): string | undefined;
  /**
   * Regular-expression fragments that mark a sampled value as likely to hold a reference (init's
   * sampling favours such values); Cloudinary's hosts and forms when absent.
   */
  readonly sampleHints?: readonly string[];
}

/** The fields of an orphan row (src/audit/result.ts) a report column can show; `sizeMb` is bytes in MiB. */
export type OrphanField = 'publicId' | 'resourceType' | 'type' | 'bytes' | 'sizeMb' | 'format' | 'uploadedAt' | 'url' | 'assetId' | 'note';

/** One column of the orphan section: its header word and the field it shows. */
export interface OrphanColumn {
  header: string;
  field: OrphanField;
}

/** How a report names this store's files (the Cloudinary words stay byte-identical). */
export interface ReportVocabulary {
  /** Title of the orphan section, e.g. `ORPHANED CLOUDINARY FILES`; it tells whose report a CSV is. */
  orphanTitle: string;
  /** The key column, e.g. `public_id`. */
  keyColumn: string;
  /** The column of the file's URL, e.g. `cloudinary_url`. */
  urlColumn: string;
  /** What the summary calls the account, e.g. `Cloud` (its name follows) or `Folder`; absent: `Cloud`. */
  accountWord?: string;
  /** What the email and summaries call the store, e.g. `Cloudinary`, `Media folder`; absent: `Cloudinary`. */
  storeTitle?: string;
  /**
   * The review page's preview of an orphan, when the store has its own rule (a folder: the file's
   * public URL itself, for images); absent: Cloudinary's derived thumbnails.
   */
  preview?: (o: { url: string; format: string }) => { kind: 'image' | 'none'; url?: string };
  /** How the summary counts `head` checks, e.g. `File checks: N (stat, from the root down)`; absent: HEAD requests on delivery URLs. */
  headsLine?: (count: string) => string;
  /** The orphan section's columns, in order (the key and URL columns among them). */
  orphanColumns: readonly OrphanColumn[];
  /** Older orphan headers still read back: their rows get '' for the columns they lack. */
  olderOrphanColumns?: ReadonlyArray<readonly OrphanColumn[]>;
}

export interface StorageBackend {
  /** The backend's name, e.g. `cloudinary`: in the JSON twin, never branched on. */
  readonly name: string;
  /** The account this backend reads (Cloudinary: the cloud name); reports and checkpoints carry it. */
  readonly account: string;
  /** Every listable slice of the store; every asset is in exactly one. */
  readonly partitions: readonly Partition[];
  readonly limits: StorageLimits;
  readonly grammar: ReferenceGrammar;
  readonly report: ReportVocabulary;
  /**
   * The order of an unprefixed listing. `newest-first` (absent: Cloudinary's Admin listing) lets a
   * --days scan stop at the first older asset; `unordered` (a folder walk, an S3 listing) is listed
   * to its end and filtered.
   */
  readonly listOrder?: 'newest-first' | 'unordered';
  /**
   * The listing is work on this machine (a folder walk), not waiting on a service: running it beside
   * the reference read gains nothing on one thread and costs holding every listed asset until the
   * read ends, so it runs after. Absent: overlapped.
   */
  readonly listsLocally?: boolean;
  /** How references the listing did not settle are checked by default (absent: `lookup`). */
  readonly preferredVerify?: 'lookup' | 'head';

  /** One page of a listing (a cursor chain). */
  listPage(req: ListPageRequest): Promise<ListPage>;
  /** The subset of ids that exist in the partition (at most `limits.lookupBatch` ids a call). */
  lookup(partition: Partition, ids: string[]): Promise<StoredAsset[]>;
  /**
   * Deletes by the store's stable id (at most `limits.deleteBatch` a call), never by the key a
   * reference names: a file stored under the same key in the meantime has another stable id and
   * is not touched. Each id gets the store's own answer (`deleted`, `not_found`, …).
   */
  delete(stableIds: string[]): Promise<DeleteOutcome[]>;
  /** A short-lived URL that serves the original bytes (backups before deleting); S3 presigns it asynchronously. */
  downloadUrl(asset: StoredAsset): string | Promise<string>;
  /** Stores a file under a key (restore); never overwrites. */
  upload?(file: string, asset: { publicId: string; resourceType: string; type: string }): Promise<Record<string, unknown>>;
  /** A delivery URL of a small derived image (review-page thumbnails), signed where the store signs. */
  deliveryUrl?(asset: { publicId: string; resourceType: string; type: string }, transformation: string, format: string): string;

  /** A time window of one listing (to split one long chain), where the store supports it. */
  searchPage?(req: SearchPageRequest): Promise<SearchPage>;
  /** Asset counts for planning a scan, where the store reports them. */
  accountUsage?(): Promise<AccountUsage>;
  /** Existence of one key by a request outside the budget: only `absent` proves absence. */
  head?(partition: Partition, id: string, signal?: AbortSignal): Promise<{ status: 'exists' } | { status: 'absent' } | { status: 'unknown'; reason: string }>;
  /**
   * Where delete() moves files instead of destroying them (a folder's quarantine, when opened for a
   * delete): restore moves them back from there. Absent: delete destroys, and backups are downloads.
   */
  readonly quarantine?: string;
  /** Removes quarantine runs older than `days` (listed only unless `execute`); returns their folders. */
  purge?(days: number, execute: boolean): string[];
  /** A cheap authenticated call (doctor). */
  ping?(): Promise<void>;
  /** Each permission the commands need, checked by calls that change nothing (doctor), where the store has permissions to check. */
  checkAccess?(): Promise<AccessCheck[]>;
  /** Raw account usage (init, doctor), where the store reports it. */
  usage?(): Promise<Record<string, unknown>>;

  /** Calls made so far (counted against the budget where there is one). */
  readonly calls: number;
  readonly retries?: number;
  readonly heads?: number;
  /** Calls in flight allowed now and at most, where the backend adapts it to the store's pushback. */
  readonly concurrency?: { limit: number; max: number; lowest: number; decreases: number };
  /** The budget as the store last reported it; absent for stores without one. */
  readonly budget?: Budget | undefined;
  close(): void;
}

/** One permission as doctor reports it. */
export interface AccessCheck {
  what: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

/** A flag-or-config choice of store, or its absence. */
export interface StorageFlags {
  storage?: string;
  /** The guard's thresholds (fractions) and the per-call deadline. */
  warnAt?: number;
  stopAt?: number;
  deadlineMs?: number;
  retryAttempts?: number;
  onWarn?: (budget: Budget) => void;
  /** A warning worded by the backend (a store whose limits are not an hourly budget). */
  onNotice?: (message: string) => void;
  onRetry?: (message: string) => void;
  /** The configuration file's folder: a relative `file:` URL is read against it (default: the working folder). */
  configDir?: string;
  /** Opened for a delete: a store that quarantines files makes its quarantine here (or its default). */
  deleting?: boolean;
  /** The quarantine folder a delete moves files into, when the store keeps them (`--backup-dir`). */
  quarantineDir?: string;
  /** Calls in flight at most (the backend's default when absent) and news of the limiter changing it. */
  concurrency?: number;
  onConcurrency?: (limit: number, why: string) => void;
}
