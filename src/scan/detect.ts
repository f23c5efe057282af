/**
 * The detect pipeline: references first (so no asset is judged before every use is known),
 * then the listing, then lookups for what the listing could not settle, then one result.
 */
import type { FileConfig } from '../config/schema.js';
import { ExistenceLedger, ignoreMatcher, inScope } from '../audit/classify.js';
import { ReferenceIndex } from '../audit/reference-index.js';
import type { DetectResult, MissingRow, OrphanRow, Scope } from '../audit/result.js';
import { collectReferences } from '../references/collect.js';
import { databaseError, openReadOnly, type DatabaseTarget } from '../references/database.js';
import type { Partition, StorageClient } from '../storage/types.js';
import type { Logger } from '../log.js';
import { listPartitions } from './list.js';
import type { Stop } from './stop.js';
import { confirmMissing } from './verify.js';

export interface DetectInput {
  config: FileConfig;
  scope: Scope;
  storage: StorageClient & { retries?: number };
  database: DatabaseTarget;
  log: Logger;
  signal?: AbortSignal;
  version: string;
  now?: () => Date;
}

export async function detect(input: DetectInput): Promise<DetectResult> {
  const { config, scope, storage, log } = input;
  const now = input.now ?? (() => new Date());
  const started = now();
  const warnings: string[] = [];

  // 1. every reference, from one read-only snapshot
  log.info(`Reading references from ${input.config.references.length} source(s) in ${input.database.label}…`);
  const index = new ReferenceIndex();
  const session = await openReadOnly(input.database, config.database.statementTimeoutSeconds);
  const t0 = Date.now();
  try {
    await collectReferences(session.client, index, {
      sources: config.references,
      context: { cloudName: storage.cloudName, hosts: config.cloudinary.hosts },
      signal: input.signal,
      onProgress: (source, rows) => log.progress(`read ${rows.toLocaleString('en-US')} rows from "${source}"`),
      onSourceError: (source, err) => (err instanceof Error && err.name === 'ExitError' ? err : databaseError(input.database, err, source)),
    });
  } finally {
    await session.close();
  }
  for (const s of index.sources) {
    log.info(`  ${s.name}: ${s.rows.toLocaleString('en-US')} rows, ${s.references.toLocaleString('en-US')} references${s.foreign ? `, ${s.foreign} foreign` : ''}${s.invalid ? `, ${s.invalid} unparsable` : ''}`);
    if (s.rows === 0) warnings.push(`reference source "${s.name}" returned no rows`);
  }
  log.info(`  ${index.referenceCount.toLocaleString('en-US')} references to ${index.requirements.size.toLocaleString('en-US')} distinct assets (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (index.referenceCount === 0) {
    warnings.push('the reference sources returned no references at all: every listed asset will look orphaned. Check DATABASE_URL and the queries.');
  }

  // 2. the listing
  const ledger = new ExistenceLedger();
  const isIgnored = ignoreMatcher(config.ignore);
  const orphans: OrphanRow[] = [];
  let orphanBytes = 0;
  let valid = 0;
  let ignored = 0;
  let listed = 0;
  let stop: Stop | undefined;
  const partitions: Partition[] = scope.resourceTypes.flatMap((resourceType) => scope.types.map((type) => ({ resourceType, type })));
  let partitionStatus: DetectResult['listing']['partitions'] = [];
  if (scope.orphans) {
    log.info(`Listing ${partitions.length} Cloudinary partition(s)${scope.since ? ` for assets uploaded since ${scope.since}` : ''}${scope.prefix ? ` under "${scope.prefix}"` : ''}…`);
    const outcome = await listPartitions(
      storage,
      { partitions, prefix: scope.prefix ?? undefined, since: scope.since ? new Date(scope.since) : undefined, signal: input.signal, log },
      (asset) => {
        listed++;
        if (index.protectedIds.has(asset.publicId)) {
          ledger.markSeen(asset.resourceType, asset.type, asset.publicId);
          valid++;
        } else if (isIgnored(asset.publicId)) {
          ignored++;
        } else {
          orphans.push({
            publicId: asset.publicId,
            resourceType: asset.resourceType,
            type: asset.type,
            bytes: asset.bytes,
            format: asset.format ?? '',
            uploadedAt: asset.createdAt,
            assetId: asset.assetId ?? '',
            url: asset.secureUrl ?? '',
          });
          orphanBytes += asset.bytes;
        }
      },
    );
    for (const p of outcome.fullyListed) ledger.markListedFully(p, scope.prefix ?? '');
    partitionStatus = outcome.partitions;
    stop = outcome.stop;
    log.info(`  ${listed.toLocaleString('en-US')} assets listed in ${outcome.partitions.reduce((n, p) => n + p.pages, 0)} page(s)`);
  }

  // 3. what the listing could not settle
  let missing: MissingRow[] = [];
  let unverified: MissingRow[] = [];
  let outOfScope = 0;
  let lookups = 0;
  if (scope.missing) {
    const pending = new Map([...index.requirements].filter(([, r]) => inScope(r.candidates, scope)));
    log.info(`Checking ${pending.size.toLocaleString('en-US')} referenced assets for existence…`);
    const verified = await confirmMissing(storage, pending, ledger, { signal: input.signal, log, stopped: stop });
    stop ??= verified.stop;
    lookups = verified.lookups;
    for (const { row, requirement } of index.rows) {
      if (!pending.has(requirement)) {
        outOfScope++;
        continue;
      }
      const bucket = verified.missing.has(requirement) ? missing : verified.unverified.has(requirement) ? unverified : undefined;
      if (!bucket) continue;
      const primary = index.requirements.get(requirement)!.candidates[0]!;
      bucket.push({ ...row, publicId: primary.publicId, resourceType: primary.resourceType ?? '', type: primary.type ?? '' });
    }
    const order = new Map(config.references.map((s, i) => [s.name, i]));
    const byRecord = (a: MissingRow, b: MissingRow) =>
      (order.get(a.source)! - order.get(b.source)!) || a.recordId.localeCompare(b.recordId, 'en', { numeric: true }) || a.publicId.localeCompare(b.publicId);
    missing.sort(byRecord);
    unverified.sort(byRecord);
  }

  orphans.sort((a, b) => a.publicId.localeCompare(b.publicId) || a.resourceType.localeCompare(b.resourceType) || a.type.localeCompare(b.type));
  const finished = now();
  const budget = storage.budget;
  return {
    tool: { name: 'asset-audit', version: input.version },
    cloudName: storage.cloudName,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
    scope,
    complete: !stop,
    incompleteReason: stop?.message,
    listing: { assets: listed, inScope: valid + ignored + orphans.length, partitions: partitionStatus },
    references: {
      rows: index.sources.reduce((n, s) => n + s.rows, 0),
      references: index.referenceCount,
      distinct: index.requirements.size,
      sources: index.sources,
      foreign: index.foreign,
      invalid: index.invalid,
    },
    orphans,
    orphanBytes,
    valid,
    ignored,
    missing,
    unverified,
    outOfScope,
    api: {
      calls: storage.calls,
      retries: storage.retries ?? 0,
      limit: budget?.limit,
      remaining: budget?.remaining,
      resetAt: budget?.resetAt?.toISOString(),
      lookups,
      listCalls: partitionStatus.reduce((n, p) => n + p.pages, 0),
    },
    warnings,
  };
}
