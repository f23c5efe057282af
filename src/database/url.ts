/** Parts of database URLs every engine decodes the same way. */
import { usageError } from '../errors.js';

/**
 * A `%` in a URL's user or password must start a %XX escape. Said by name, before anything else
 * tries to decode it (decodeURIComponent would throw a bare URIError).
 */
export function decodeUrlPart(part: string, what: string, variable = 'DATABASE_URL'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw usageError(`${variable}: the ${what} holds a "%" that does not start a %XX escape. Write a literal "%" as %25 (and other reserved characters percent-encoded, e.g. "@" as %40).`);
  }
}
