/**
 * The references as delete sees them: read again before planning and again before every DELETE
 * call, each time in one streamed pass over every source (the rows behind them are not kept, only
 * the ids they protect). A read that comes back empty, or far smaller than the scan's, stops the
 * run: that is the signature of a wrong DATABASE_URL or a broken query, which would make every
 * asset look orphaned.
 */
import { PartitionMasks } from '../audit/partitions.js';
import { ReferenceIndex, type RowSink } from '../audit/reference-index.js';
import type { FileConfig } from '../config/schema.js';
import type { DatabaseTarget } from '../database/types.js';
import { refusal } from '../errors.js';
import type { ReferenceGrammar } from '../storage/backend.js';
import type { Partition } from '../storage/types.js';
import { collectReferences } from '../references/collect.js';

/** A re-read that finds this much less than the scan did is refused (see above). */
export const MAX_REFERENCE_DROP = 0.25;

const DISCARD_ROWS: RowSink = { add() {} };

export interface ReferenceReading {
  database: DatabaseTarget;
  config: FileConfig;
  /** How stored values name the store's files (the backend's). */
  grammar: ReferenceGrammar;
  /** The backend's partitions (what a reading protects is a mask of them). */
  partitions: readonly Partition[];
  /** References the scan that wrote the report saw (from its JSON twin). */
  scanned?: number;
}

/** One streamed read of every source, checked against the scan's count. */
export async function readReferences(r: ReferenceReading, signal: AbortSignal | undefined, when: string): Promise<ReferenceIndex> {
  const index = new ReferenceIndex(new PartitionMasks(r.partitions), DISCARD_ROWS);
  const reader = await r.database.open({ statementTimeoutSeconds: r.config.database.statementTimeoutSeconds });
  try {
    await collectReferences(reader, index, {
      sources: r.config.references,
      grammar: r.grammar,
      signal,
    });
  } finally {
    await reader.close();
  }
  if (index.referenceCount === 0) {
    throw refusal(`${when}: the reference sources returned no references at all: with this DATABASE_URL and config every asset would look orphaned. Refusing to delete anything more; check both.`);
  }
  if (r.scanned !== undefined && index.referenceCount < r.scanned * (1 - MAX_REFERENCE_DROP)) {
    throw refusal(
      `${when}: the database now yields ${index.referenceCount} references, the scan that wrote this report saw ${r.scanned} (a drop of more than ${MAX_REFERENCE_DROP * 100}%). ` +
        'That looks like a wrong DATABASE_URL or a broken query. Refusing to delete anything more; run detect again.',
    );
  }
  return index;
}

/** Whether a reference protects this asset now (the same rule the plan applies). */
export function isReferenced(index: ReferenceIndex, asset: Partition & { publicId: string }): boolean {
  return index.isProtected(asset);
}
