/** Sends the rendered summary email with the CSV attached. */
import path from 'node:path';
import type { EmailContent } from '../report/email.js';
import { formatRecipient, type Recipient } from './recipients.js';
import { createTransport, type SmtpTarget } from './smtp.js';

export interface OutgoingEmail {
  smtp: SmtpTarget;
  from: string;
  to: Recipient[];
  content: EmailContent;
  /** The CSV report, attached under its own name. */
  attachment?: { path: string; content: string };
  /** The review page (.html), attached under its own name. */
  page?: { path: string; content: string };
}

export async function sendEmail(mail: OutgoingEmail): Promise<{ messageId: string; accepted: number }> {
  const transport = createTransport(mail.smtp);
  try {
    const info = await transport.sendMail({
      from: mail.from,
      to: mail.to.map(formatRecipient),
      subject: mail.content.subject,
      text: mail.content.text,
      html: mail.content.html,
      attachments: [
        ...(mail.attachment ? [{ filename: path.basename(mail.attachment.path), content: mail.attachment.content, contentType: 'text/csv; charset=utf-8' }] : []),
        ...(mail.page ? [{ filename: path.basename(mail.page.path), content: mail.page.content, contentType: 'text/html; charset=utf-8' }] : []),
      ],
    });
    return { messageId: String(info.messageId ?? ''), accepted: Array.isArray(info.accepted) ? info.accepted.length : mail.to.length };
  } finally {
    transport.close();
  }
}

/** SMTP reachable and, when credentials are given, accepted (doctor). */
export async function verifySmtp(smtp: SmtpTarget): Promise<void> {
  const transport = createTransport(smtp);
  try {
    await transport.verify();
  } finally {
    transport.close();
  }
}
