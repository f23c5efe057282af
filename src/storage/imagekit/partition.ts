/** ImageKit's one partition: the media library. Its own module so choosing the store does not load the SDK. */
import type { Partition } from '../types.js';

export const IMAGEKIT_PARTITION: Partition = { resourceType: 'file', type: 'imagekit' };
