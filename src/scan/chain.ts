/** A listing chain: plain data (cursor, window, counters), so a stopped scan checkpoints and resumes it mid-chain. */
import { partitionKey, type ListTarget } from '../storage/types.js';

export interface Chain {
  /** "image/*", "image/upload", or with a window "image/*@2" (window 2). */
  key: string;
  target: ListTarget;
  /**
   * An upload-time window, from ≤ created_at < to, in ms; open-ended where absent. `via: 'list'`:
   * the Admin listing from `from` (start_at), oldest first, which proves absence like a whole
   * listing; otherwise the Search API, which never does. None: the whole Admin listing.
   */
  window?: ChainWindow;
  cursor?: string;
  pages: number;
  listed: number;
  complete: boolean;
  /** Parts the store could not list: a chain with gaps never proves absence. */
  gaps?: number;
  /** An Admin window: the first and last created_at it listed (ms), for splitting what is left of it. */
  first?: number;
  at?: number;
  /** The newest upload the plan saw in this chain's target: where the split of an open-ended window aims. */
  upper?: number;
  /** An Admin window: the created_at of the last asset its listing returned (order check). */
  prev?: number;
}

export interface ChainWindow {
  from?: number;
  to?: number;
  via?: 'list' | 'search';
  /**
   * The Admin listing from `from` was seen out of created_at order: the window no longer stops at
   * `to` (it is listed to the end of its cursor, still keeping only [from, to)) and is not split.
   */
  unordered?: boolean;
}

export function newChain(target: ListTarget, window?: ChainWindow, n?: number): Chain {
  return { key: partitionKey(target) + (n === undefined ? '' : `@${n}`), target, window, pages: 0, listed: 0, complete: false };
}
