/**
 * The storage side as the audit sees it: partitions to list, ids to look up, ids to delete.
 * Partition words are each backend's own (Cloudinary's resource and delivery types live in
 * src/storage/cloudinary/partitions.ts); the audit only compares them.
 */

/** One listable slice of the store: every asset has exactly one. A one-slice store declares one. */
export interface Partition {
  resourceType: string;
  type: string;
}

export interface StoredAsset {
  publicId: string;
  resourceType: string;
  type: string;
  assetId?: string;
  format?: string;
  bytes: number;
  createdAt: string;
  version?: number;
  secureUrl?: string;
}

/** What one cursor chain lists: a partition, or every delivery type of a resource type at once. */
export interface ListTarget {
  resourceType: string;
  type?: string;
}

export interface ListPageRequest {
  partition: ListTarget;
  cursor?: string;
  prefix?: string;
  /** Assets are returned newest first unless a prefix is given (then by public_id)… */
  maxResults: number;
  /**
   * The --days window: a backend that can filter by creation time on the server returns nothing
   * older; one that cannot ignores it (the listing filters, newest first).
   */
  since?: Date;
  /** …or, with this (and no prefix), those created at or after it, oldest first (limits.listsFrom). */
  startAt?: Date;
}

export interface ListPage {
  assets: StoredAsset[];
  nextCursor?: string;
  /** Entries met that are not files of the store (a folder's symlinks): listed apart, never judged. */
  apart?: SetApart[];
  /** What this page could not list (an unreadable folder): the listing is not whole, and says so. */
  gaps?: SetApart[];
  /** Things a reviewer should know about what was listed (two Unicode spellings of one name). */
  notes?: string[];
}

/** One entry a listing names without listing it as a file. */
export interface SetApart {
  key: string;
  /** e.g. `symlink`, `socket`, `unreadable (EACCES)`. */
  reason: string;
}

/** One page of a created_at window through the Search API: from ≤ created_at < to (half-open). */
export interface SearchPageRequest {
  target: ListTarget;
  from?: Date;
  to?: Date;
  cursor?: string;
  /** created_at order; ties are broken by the service's own total order. */
  direction: 'asc' | 'desc';
  maxResults: number;
}

export interface SearchPage extends ListPage {
  /** Matches of the whole query (all pages). */
  totalCount?: number;
}

export interface AccountUsage {
  /** Stored assets in the account (all resource and delivery types). */
  resources?: number;
}

export interface Budget {
  limit: number;
  remaining: number;
  resetAt?: Date;
}

export interface DeleteOutcome {
  assetId: string;
  outcome: 'deleted' | 'not_found' | string;
}

export interface StorageClient {
  readonly cloudName: string;
  listPage(req: ListPageRequest): Promise<ListPage>;
  /** Returns the subset of ids that exist in the partition (at most the lookup batch a call). */
  lookup(partition: Partition, publicIds: string[]): Promise<StoredAsset[]>;
  /**
   * Deletes by the stable asset_id (at most the delete batch a call), never by public_id: a file
   * uploaded under the same public_id in the meantime has another asset_id and is not touched.
   * Each id gets the service's own answer (`deleted`, `not_found`, or whatever else it said).
   */
  deleteByAssetIds(assetIds: string[]): Promise<DeleteOutcome[]>;
  /** A created_at window through the Search API (for splitting one long cursor chain). */
  searchPage?(req: SearchPageRequest): Promise<SearchPage>;
  /** Resource counts from the usage report (one Admin API call), for planning a scan. */
  accountUsage?(): Promise<AccountUsage>;
  /**
   * Existence of one id in one partition by an HTTP HEAD outside the Admin API budget
   * (`detect --verify head`): only `absent` proves absence; `unknown` settles nothing.
   */
  head?(partition: Partition, publicId: string, signal?: AbortSignal): Promise<{ status: 'exists' } | { status: 'absent' } | { status: 'unknown'; reason: string }>;
  /** HEAD requests made by head() so far. */
  readonly heads?: number;
  /** Calls made through this client so far. */
  readonly calls: number;
  /** The budget as the service last reported it, if it has answered yet. */
  readonly budget: Budget | undefined;
}

export const partitionKey = (p: ListTarget): string => `${p.resourceType}/${p.type ?? '*'}`;
