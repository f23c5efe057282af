/**
 * S3 has no id that survives only as long as one object does; an object's key and ETag together
 * are that id: a file put under the same key since has another ETag (unless its bytes are the
 * same, and then deleting it loses nothing the review did not see). Written `KEY@ETAG`, the ETag
 * without its quotes: an ETag holds no '@', so the last one splits.
 */
export const assetIdOf = (key: string, etag: string): string => `${key}@${etag.replace(/^W\//, '').replace(/"/g, '')}`;

export function parseAssetId(id: string): { key?: string; etag?: string } {
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1) return {};
  return { key: id.slice(0, at), etag: id.slice(at + 1) };
}
