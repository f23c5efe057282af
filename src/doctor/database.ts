/** Doctor: the database reachable and read-only, and every reference source runnable. */
import type { FileConfig } from '../config/schema.js';
import type { DatabaseTarget, ReferenceReader } from '../database/types.js';
import { errorMessage, type Report } from './check.js';

/** Counting a huge table can take long; the check only needs to know the query runs. */
const DOCTOR_STATEMENT_TIMEOUT_S = 60;

export async function checkDatabase(target: DatabaseTarget, config: FileConfig | undefined, report: Report): Promise<void> {
  let reader: ReferenceReader;
  try {
    // the check only needs to know each query runs; counting a huge table may take long
    reader = await target.open({ statementTimeoutSeconds: Math.min(config?.database.statementTimeoutSeconds ?? DOCTOR_STATEMENT_TIMEOUT_S, DOCTOR_STATEMENT_TIMEOUT_S) });
  } catch (err) {
    report('fail', 'database', errorMessage(err));
    return;
  }
  try {
    const state = await reader.readOnlyState();
    report(state.readOnly ? 'ok' : 'fail', 'database', `${target.label} reachable; ${state.detail}`, state.readOnly ? undefined : 'the server ignored READ ONLY: check for a pooler rewriting transactions');
    if (!config) {
      report('skip', 'reference sources', 'not checked (no valid config)');
      return;
    }
    for (const source of config.references) {
      // a failed source must leave the others checkable
      const checked = await reader.isolate(async () => {
        await reader.probe(source);
        return reader.count(source);
      });
      if (!checked.ok) report('fail', `source "${source.name}"`, reader.error(checked.cause, source.name).message);
      else if (checked.value === 0) report('warn', `source "${source.name}"`, 'runs, but returns no rows', 'check the table/query: detect would find no references here');
      else report('ok', `source "${source.name}"`, `${checked.value.toLocaleString('en-US')} row(s)`);
    }
  } catch (err) {
    report('fail', 'database', reader.error(err).message);
  } finally {
    await reader.close();
  }
}
