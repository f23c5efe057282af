/**
 * Whether a confirmed report may drive deletions in this account under this configuration: it
 * must be for this cloud, have its JSON twin beside it (what the scan saw), and have been made with
 * the same reference sources, ignore globs and hosts. Each failure refuses the whole report.
 */
import path from 'node:path';
import { configDigest } from '../config/digest.js';
import type { FileConfig } from '../config/schema.js';
import { refusal } from '../errors.js';
import type { StorageBackend } from '../storage/backend.js';
import { twinOf, type ConfirmedReport, type Twin } from './candidates.js';

export function trustedTwin(report: ConfirmedReport, storage: Pick<StorageBackend, 'name' | 'account'>, config: FileConfig): Twin {
  const cloudName = storage.account;
  // a report of one kind of store never drives deletions in another
  const backend = report.twin?.backend ?? report.backend;
  if (backend !== storage.name) throw refusal(`the report was written for a ${backend} store, but the store named is a ${storage.name} one (${storage.account}). Nothing was deleted.`);
  if (report.clouds.size === 0 && report.candidates.length > 0) {
    throw refusal(`the report names no cloud (no delivery URLs and no JSON twin next to it), so it cannot be matched to "${cloudName}". Use the report exactly as detect wrote it, beside its .json twin, or name the twin with --report.`);
  }
  const foreign = [...report.clouds].filter((c) => c !== cloudName.toLowerCase());
  if (foreign.length) {
    throw refusal(`the report is for cloud "${foreign.join('", "')}" but CLOUDINARY_URL is for "${cloudName}". Nothing was deleted.`);
  }
  if (!report.twin) {
    throw refusal(
      `the report's JSON twin (${path.basename(twinOf(report.file))}) is not next to it (or pass it with --report). delete needs it to know which orphans the scan listed and to compare the scan's reference count and configuration with today's. ` +
        'Keep the .json detect wrote beside the CSV (edit only the CSV), or run detect again.',
    );
  }
  if (report.twin.configDigest !== configDigest(config)) {
    throw refusal(
      report.twin.configDigest
        ? 'the configuration (reference sources, ignore globs or cloudinary.hosts) differs from the one the scan used. Run detect again with this configuration, review, then delete.'
        : 'the report was written by an older asset-audit that did not record its configuration. Run detect again, review, then delete.',
    );
  }
  return report.twin;
}
