/**
 * Doctor: the store. A backend that has permissions to check (S3: one per IAM action) reports each
 * through checkAccess; the others answer the Cloudinary checks (credentials, budget, usage).
 */
import type { StorageTarget } from '../storage/open.js';
import { checkCloudinary } from './cloudinary.js';
import { errorMessage, type Report } from './check.js';

/** A doctor run should answer in seconds: one attempt per call, a short deadline. */
const DOCTOR_DEADLINE_MS = 20_000;

export async function checkStore(store: StorageTarget, report: Report): Promise<void> {
  const storage = await store.open({ warnAt: 1, stopAt: 1, retryAttempts: 1, deadlineMs: DOCTOR_DEADLINE_MS });
  if (!storage.checkAccess) {
    storage.close();
    await checkCloudinary(store, report);
    return;
  }
  try {
    for (const check of await storage.checkAccess()) report(check.status, check.what, check.detail, check.fix);
  } catch (err) {
    report('fail', store.label, errorMessage(err));
  } finally {
    storage.close();
  }
}
