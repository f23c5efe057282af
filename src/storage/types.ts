/**
 * The storage side as the audit sees it: partitions to list, ids to look up, ids to delete.
 * Cloudinary implements it today; a local folder, ImageKit or S3 can implement it later.
 */

export const RESOURCE_TYPES = ['image', 'video', 'raw'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const DELIVERY_TYPES = ['upload', 'private', 'authenticated'] as const;
export type DeliveryType = (typeof DELIVERY_TYPES)[number];

/** One listable slice of the account: every asset has exactly one. */
export interface Partition {
  resourceType: ResourceType;
  type: DeliveryType;
}

export interface StoredAsset {
  publicId: string;
  resourceType: ResourceType;
  type: DeliveryType;
  assetId?: string;
  format?: string;
  bytes: number;
  createdAt: string;
  version?: number;
  secureUrl?: string;
}

export interface ListPageRequest {
  partition: Partition;
  cursor?: string;
  prefix?: string;
  /** Assets are returned newest first unless a prefix is given (then by public_id). */
  maxResults: number;
}

export interface ListPage {
  assets: StoredAsset[];
  nextCursor?: string;
}

export interface Budget {
  limit: number;
  remaining: number;
  resetAt?: Date;
}

export interface DeleteOutcome {
  publicId: string;
  outcome: 'deleted' | 'not_found' | string;
}

export interface StorageClient {
  readonly cloudName: string;
  listPage(req: ListPageRequest): Promise<ListPage>;
  /** Returns the subset of ids that exist in the partition (at most LOOKUP_BATCH ids a call). */
  lookup(partition: Partition, publicIds: string[]): Promise<StoredAsset[]>;
  deleteIds(partition: Partition, publicIds: string[]): Promise<DeleteOutcome[]>;
  /** Calls made through this client so far. */
  readonly calls: number;
  /** The budget as the service last reported it, if it has answered yet. */
  readonly budget: Budget | undefined;
}

export const partitionKey = (p: Partition): string => `${p.resourceType}/${p.type}`;
