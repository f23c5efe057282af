/** The user and password parts of a credentials URL (CLOUDINARY_URL, SMTP_URL). */
import { usageError } from '../errors.js';

/** Percent-decodes a URL's user or password; a stray "%" is a usage error naming the variable, never a URIError. */
export function decodeOrRefuse(value: string, variable: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw usageError(`${variable}: the user name or password holds a "%" not followed by two hex digits; write a literal % as %25.`);
  }
}
