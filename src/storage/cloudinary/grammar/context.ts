/** What the Cloudinary grammar needs to know of the account to read a reference. */
import type { ResourceType } from '../partitions.js';

export interface ParseContext {
  /** The configured account's cloud name; URLs of other clouds are foreign. */
  cloudName: string;
  /** Extra delivery hosts (CNAME / secure_distribution) that serve this account. */
  hosts?: string[];
  /** A resource type from the source row (`resource_type` column), used for bare ids. */
  resourceTypeHint?: ResourceType;
}
