/**
 * ImageKit's signed URLs carry `ik-s` (an HMAC of the URL by the private key) and `ik-t` (its
 * expiry); SDKs add other `ik-…` parameters. The report keeps every value as stored (data), but a
 * few refused values are shown in the run's summary as unrecognised samples, a diagnostic: their
 * `ik-…` parameters are registered as secrets, so diagnostic() masks them there and in any log line.
 */
import { registerSecret } from '../../../config/redact.js';

/** An `ik-…` query parameter: plain, entity- or JSON-escaped, or percent-encoded inside another URL's query. */
const PARAM_RE = /(?:[?&;]|&amp;|\\u0026|%3F|%26)(ik-[a-z0-9-]+)(?:=|%3D)([^&#;%\\\s"'<>]+)/gi;

/**
 * Registrations per process at most: the summary shows the first few refused values of a run (the
 * JSON report keeps 20 of each kind), all among the first refused ones the grammar returns, while
 * a library of expired signed URLs must not grow the secret list (which every diagnostic scans)
 * without bound.
 */
const MAX_REGISTERED = 1000;
/** A value this long is a signature: registered alone too, for encodings of the `=` not foreseen here. */
const MIN_ALONE = 16;
const registered = new Set<string>();

/** Registers the `ik-…` parameters of a refused value, so no diagnostic repeats them. */
export function maskSigning(raw: string): void {
  if (registered.size >= MAX_REGISTERED || !/ik-/i.test(raw)) return;
  for (const m of raw.matchAll(PARAM_RE)) {
    const value = m[2]!;
    const pair = `${m[1]!}=${value}`;
    if (registered.has(pair)) continue;
    if (registered.size >= MAX_REGISTERED) return;
    registered.add(pair);
    registerSecret(pair);
    if (value.length >= MIN_ALONE) registerSecret(value);
  }
}
