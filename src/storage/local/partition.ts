/** A folder has one partition: every file is `file/local`; scope flags have nothing to narrow. */
import type { Partition } from '../types.js';

export const LOCAL_PARTITION: Partition = { resourceType: 'file', type: 'local' };
