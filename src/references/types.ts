/**
 * One asset a stored value may name. A missing resourceType or type means "any" of the backend's
 * partitions: a bare Cloudinary public_id does not say whether it is an image, a video or a raw
 * file; a one-partition store's grammar never sets them.
 */
export interface AssetKey {
  publicId: string;
  resourceType?: string;
  type?: string;
  /**
   * Set where resourceType came from a `resource_type` column next to a bare id, not from the value
   * itself: the hint narrows what must exist (the missing check), never what is protected. A wrong
   * or stale column must not turn an asset in use into an orphan.
   */
  hinted?: true;
}

/**
 * What one stored value refers to. A value can be ambiguous (a bare `docs/file.pdf` is a raw
 * id or an image `docs/file`; an unversioned URL segment can be a transformation or a folder):
 * then every reading is a candidate, each protects from being called an orphan the assets it can
 * name (its public_id in the partitions its types allow), and the reference counts as present when
 * any candidate exists.
 */
export type ParsedReference =
  | {
      kind: 'asset';
      candidates: AssetKey[];
      /**
       * Set on layer / default-image / font references whose reading is not certain (the
       * transformation segment might be a folder name; a font picked out of a text style; a
       * variable's value): their candidates are protected from being called orphans, but the
       * reference is not a requirement, so it never makes a "missing" finding.
       */
      protectOnly?: true;
    }
  | {
      kind: 'foreign';
      reason: string;
      /**
       * Set when the value certainly names nothing in this account (another cloud's URL, a cached
       * search URL): no fallback reading may protect an asset by it.
       */
      noAsset?: true;
    }
  | { kind: 'invalid'; reason: string };
