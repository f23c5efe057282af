/** Who gets the summary email: --email-to, then config email.to, then ADMINS (as Django sets it). */
import addressparser from 'nodemailer/lib/addressparser';
import { usageError } from '../errors.js';

export interface Recipient {
  name: string;
  address: string;
}

export interface RecipientSource {
  flag?: string;
  config?: string | string[];
  env?: string;
}

/** Parses "Name <a@b>, c@d"; anything that is not an address is an error naming `where`. */
export function parseRecipients(value: string | string[], where: string): Recipient[] {
  const text = Array.isArray(value) ? value.join(', ') : value;
  const parsed = addressparser(text, { flatten: true });
  const out: Recipient[] = [];
  for (const a of parsed) {
    const address = a.address || a.name;
    if (!address) continue;
    if (!/^[^\s@]+@[^\s@]+$/.test(a.address)) {
      throw usageError(`${where}: "${address}" is not an email address; use "Name <user@example.com>" or "user@example.com", comma-separated`);
    }
    out.push({ name: a.name ?? '', address: a.address });
  }
  return out;
}

/** The first source that is set wins; `from` says which, for messages. */
export function resolveRecipients(src: RecipientSource): { recipients: Recipient[]; from: string } | undefined {
  if (src.flag?.trim()) return { recipients: parseRecipients(src.flag, '--email-to'), from: '--email-to' };
  if (src.config !== undefined) return { recipients: parseRecipients(src.config, 'config email.to'), from: 'config email.to' };
  if (src.env?.trim()) return { recipients: parseRecipients(src.env, 'ADMINS'), from: 'ADMINS' };
  return undefined;
}

export const formatRecipient = (r: Recipient): string => (r.name ? `"${r.name.replace(/["\\]/g, '')}" <${r.address}>` : r.address);
