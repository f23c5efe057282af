/**
 * Credentials are masked in diagnostics, and only there. A diagnostic is text about the run: log
 * lines, progress, error messages (ours and those of the SDK, pg, nodemailer, fetch), the summary
 * and `doctor` on the terminal. Data is everything else the tool writes: reports, the JSON twin,
 * `--json`, journal, checkpoint, history, the config `init` writes, the fields of email and webhook
 * bodies. Data is written exactly: a title that happens to contain the database password is the
 * user's title, and rewriting it would make the report lie (and `delete` act on a wrong id).
 */
const secrets = new Set<string>();

/** Shorter values are words, not credentials: masking them would only garble diagnostics. */
const MIN_SECRET_LENGTH = 3;
export const MASK = '****';

/**
 * Registers one whole credential (a password, the API secret, a webhook's path and query). The
 * forms it can take inside a diagnostic are registered with it: percent-encoded (in a URL),
 * JSON-escaped (a JSON log line, a quoted sample) and HTML-escaped (a server's error page).
 */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < MIN_SECRET_LENGTH) return;
  secrets.add(value);
  secrets.add(JSON.stringify(value).slice(1, -1));
  secrets.add(value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!));
  try {
    secrets.add(encodeURIComponent(value));
  } catch {
    // a lone surrogate cannot be encoded; the raw form is registered already
  }
}

/**
 * A diagnostic, safe to show: every registered secret masked, longest form first (so a secret
 * that contains another is masked whole), then credentials in any URL, registered or not
 * (scheme://user:password@host). Call it on the text before it is encoded (JSON, colour) or cut.
 * Never call it on data.
 */
export function diagnostic(text: string): string {
  let out = text;
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (out.includes(secret)) out = out.split(secret).join(MASK);
  }
  // placeholders such as API_SECRET in help texts stay readable
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi, (whole, head: string, password: string) =>
    /^[A-Z_]+$/.test(password) ? whole : `${head}${MASK}@`,
  );
}

/** An error of any shape (an Error, a plain SDK rejection, a string) as a masked one-line message. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return diagnostic(err.message);
  if (typeof err === 'string') return diagnostic(err);
  const obj = err as { message?: unknown; error?: { message?: unknown } } | null;
  const message = obj?.error?.message ?? obj?.message;
  // never the whole object: the SDK's rejections carry request_options.auth ("key:secret")
  return typeof message === 'string' ? diagnostic(message) : 'unknown error';
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}
