/**
 * SIGINT/SIGTERM (Heroku sends SIGTERM before killing a dyno) abort the work in hand so it can
 * stop at a safe point and still write what it has; a second signal exits at once.
 */
import { AuditError } from '../errors.js';
import { ExitCode, ExitError } from './exit.js';

export async function interruptible<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`\n${sig} received: stopping at the next safe point (send again to quit now)\n`);
    controller.abort(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } catch (err) {
    // stopped before there was anything to write (e.g. while reading references): still "interrupted"
    if (controller.signal.aborted && !(err instanceof AuditError)) {
      throw new ExitError(ExitCode.Incomplete, `interrupted (${String(controller.signal.reason)}) before a report could be written; run the command again`);
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
