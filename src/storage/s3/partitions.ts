/** A bucket is one partition: every object under the configured prefix, whatever its type. */
import type { Partition } from '../types.js';

export const S3_PARTITION: Partition = { resourceType: 'object', type: 's3' };
export const S3_PARTITIONS: readonly Partition[] = [S3_PARTITION];
