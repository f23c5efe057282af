/** Doctor: the store reachable (Cloudinary: these credentials, the hourly budget, the account's usage; a folder: there and listable). */
import { BudgetExhausted } from '../storage/budget.js';
import type { StorageTarget } from '../storage/open.js';
import { errorMessage, type Report } from './check.js';

/** A doctor run should answer in seconds: one attempt per call, a short deadline. */
const DOCTOR_DEADLINE_MS = 20_000;

export async function checkCloudinary(store: StorageTarget, report: Report): Promise<void> {
  let storage;
  try {
    storage = await store.open({ warnAt: 1, stopAt: 1, retryAttempts: 1, deadlineMs: DOCTOR_DEADLINE_MS });
  } catch (err) {
    // a folder that is not there fails here, before any call
    report('fail', store.title, errorMessage(err));
    return;
  }
  try {
    await storage.ping?.();
    report('ok', store.title, `${store.label} reachable${'budget' in storage ? ', credentials accepted' : ' and readable'}`);
  } catch (err) {
    const kind = (err as { kind?: string }).kind;
    const fix =
      kind === 'auth'
        ? 'check the API key, secret and cloud name in CLOUDINARY_URL (Console → Settings → API Keys)'
        : kind === 'network' || kind === 'timeout'
          ? 'check network access to Cloudinary (and upload_prefix in CLOUDINARY_URL, if set)'
          : kind === 'rate_limited' || err instanceof BudgetExhausted
            ? 'the hourly Admin API budget is spent: wait for the reset'
            : undefined;
    report('fail', store.title, errorMessage(err), fix);
    storage.close();
    return;
  }
  // a store without a budget or a usage report (a folder) has nothing more to show
  if (!('budget' in storage) && !storage.usage) {
    storage.close();
    return;
  }
  const b = storage.budget;
  if (b) {
    const share = b.limit ? b.remaining / b.limit : 1;
    report(share < 0.2 ? 'warn' : 'ok', 'API budget', `${b.remaining.toLocaleString('en-US')}/${b.limit.toLocaleString('en-US')} Admin API calls left this hour${b.resetAt ? `, resets ${b.resetAt.toISOString()}` : ''}`, share < 0.2 ? 'a full scan may stop early (exit 4); run later or with --days' : undefined);
  } else {
    report('warn', 'API budget', 'Cloudinary reported no rate-limit headers');
  }
  try {
    const u = (await storage.usage?.()) ?? {};
    const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
    const objects = num((u.objects as Record<string, unknown> | undefined)?.usage);
    const bytes = num((u.storage as Record<string, unknown> | undefined)?.usage);
    const credits = u.credits as Record<string, unknown> | undefined;
    const parts = [u.plan ? `plan ${String(u.plan)}` : '', objects !== undefined ? `${objects.toLocaleString('en-US')} assets` : '', bytes !== undefined ? `${(bytes / 1_073_741_824).toFixed(2)} GB stored` : '', num(credits?.used_percent) !== undefined ? `${num(credits?.used_percent)!.toFixed(1)}% of credits used` : ''].filter(Boolean);
    report('ok', 'account usage', parts.join(', ') || 'reported');
  } catch (err) {
    report('warn', 'account usage', `not available: ${errorMessage(err)}`);
  } finally {
    storage.close();
  }
}
