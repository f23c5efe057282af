/**
 * Every string that leaves the process (stdout, stderr, reports, email, history) passes through
 * here, so a secret registered once can never be printed, even inside an error from a library.
 */
const secrets = new Set<string>();

export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 3) return;
  secrets.add(value);
  try {
    const encoded = encodeURIComponent(value);
    if (encoded !== value) secrets.add(encoded);
  } catch {
    // a lone surrogate cannot be encoded; the raw form is registered already
  }
}

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('****');
  }
  // credentials inside any URL, registered or not (scheme://user:password@host); placeholders
  // such as API_SECRET in help texts stay readable
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)([^\s@/]+)@/gi, (whole, head: string, password: string) =>
    /^[A-Z_]+$/.test(password) ? whole : `${head}****@`,
  );
}

/** For tests: forget registered secrets. */
export function clearSecrets(): void {
  secrets.clear();
}
