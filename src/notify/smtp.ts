/**
 * The SMTP transport: SMTP_URL (nodemailer's URL form, credentials allowed) or config
 * email.smtpUrl (host only). The password is registered as a secret before anything can print it.
 */
import os from 'node:os';
import { createTransport as nodemailerTransport, type Transporter, type TransportOptions } from 'nodemailer';
import { usageError } from '../errors.js';
import { decodeOrRefuse } from '../config/url-credentials.js';
import { registerSecret } from '../config/redact.js';

/** A scheduled job must not hang on a mail server that accepts and then says nothing. */
export const SMTP_TIMEOUT_MS = 30_000;

export interface SmtpTarget {
  url: string;
  /** host:port, no credentials, for messages. */
  label: string;
}

export function parseSmtpUrl(value: string | undefined, where = 'SMTP_URL'): SmtpTarget | undefined {
  if (!value || !value.trim()) return undefined;
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw usageError(`${where} is not a valid URL. Use smtp://USER:PASSWORD@HOST:587 (STARTTLS) or smtps://USER:PASSWORD@HOST:465 (TLS).`);
  }
  registerSecret(url.password);
  registerSecret(decodeOrRefuse(url.password, where));
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw usageError(`${where} must start with smtp:// or smtps:// (got ${url.protocol}//). Use smtp://USER:PASSWORD@HOST:587 or smtps://USER:PASSWORD@HOST:465.`);
  }
  const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
  return { url: url.toString(), label: `${url.protocol}//${url.hostname}:${port}` };
}

export function createTransport(target: SmtpTarget): Transporter {
  // settings in the URL (secure, tls.*, timeouts) take precedence over these defaults
  return nodemailerTransport({
    url: target.url,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  } as TransportOptions);
}

export function defaultFrom(): string {
  return `asset-audit <asset-audit@${os.hostname().replace(/[^A-Za-z0-9.-]/g, '') || 'localhost'}>`;
}
