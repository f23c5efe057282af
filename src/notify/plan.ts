/**
 * What happens after a detect report is written: who is emailed, which webhook is posted.
 * Settled before the scan (a wrong address is exit 2 before any API call is spent), carried out
 * after the report is on disk (a failed send never loses the report).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { DetectResult } from '../audit/result.js';
import { usageError } from '../errors.js';
import type { FileConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { renderEmail } from '../report/email.js';
import { sendEmail } from './email.js';
import { resolveRecipients, type Recipient } from './recipients.js';
import { defaultFrom, parseSmtpUrl, type SmtpTarget } from './smtp.js';
import { parseNotifyUrl, postWebhook, webhookBody, type WebhookTarget } from './webhook.js';

export interface NotifyFlags {
  emailTo?: string;
  /** false with --no-email (commander's negated option). */
  email?: boolean;
  emailAlways?: boolean;
  emailRequired?: boolean;
  notifyUrl?: string;
  notifyFormat?: string;
  notifyAlways?: boolean;
}

export interface NotifyPlan {
  email?: { to: Recipient[]; recipientsFrom: string; from: string; smtp: SmtpTarget; subjectPrefix?: string; always: boolean; required: boolean; attachHtml: boolean };
  /** Why no email will be sent although recipients exist (logged after the run). */
  emailSkipped?: string;
  webhook?: WebhookTarget & { always: boolean };
}

export function planNotifications(flags: NotifyFlags, config: Pick<FileConfig, 'email' | 'notify'>, env: NodeJS.ProcessEnv = process.env): NotifyPlan {
  const plan: NotifyPlan = {};
  if (flags.email === false) {
    if (flags.emailRequired || flags.emailAlways || flags.emailTo) throw usageError('--no-email contradicts --email-to/--email-always/--email-required: drop one of them');
  } else {
    const smtp = parseSmtpUrl(env.SMTP_URL) ?? parseSmtpUrl(config.email?.smtpUrl, 'config email.smtpUrl');
    const recipients = resolveRecipients({ flag: flags.emailTo, config: config.email?.to, env: env.ADMINS });
    if (!recipients || recipients.recipients.length === 0) {
      if (flags.emailAlways || flags.emailRequired) {
        throw usageError('--email-always/--email-required need recipients: pass --email-to ADDR, set email.to in the config, or set ADMINS');
      }
    } else if (!smtp) {
      // ADMINS is often set for other tools; only an explicit request for email makes a missing transport an error
      if (recipients.from !== 'ADMINS' || flags.emailAlways || flags.emailRequired) {
        throw usageError(`email is requested (${recipients.from}) but no mail server is configured: set SMTP_URL=smtp://USER:PASSWORD@HOST:587, or pass --no-email`);
      }
      plan.emailSkipped = 'ADMINS is set but SMTP_URL is not: no email sent (set SMTP_URL to send one)';
    } else {
      plan.email = {
        to: recipients.recipients,
        recipientsFrom: recipients.from,
        from: env.EMAIL_FROM?.trim() || config.email?.from || defaultFrom(),
        smtp,
        subjectPrefix: config.email?.subjectPrefix,
        always: Boolean(flags.emailAlways),
        required: Boolean(flags.emailRequired),
        attachHtml: config.email?.attachHtml !== false,
      };
    }
  }
  const url = flags.notifyUrl ?? env.NOTIFY_URL ?? config.notify?.url;
  if (url) {
    const where = flags.notifyUrl ? '--notify-url' : env.NOTIFY_URL ? 'NOTIFY_URL' : 'config notify.url';
    plan.webhook = { ...parseNotifyUrl(url, flags.notifyFormat ?? config.notify?.format, where), always: Boolean(flags.notifyAlways) };
  } else if (flags.notifyFormat || flags.notifyAlways) {
    throw usageError('--notify-format/--notify-always need a webhook: pass --notify-url URL (or set notify.url in the config)');
  }
  return plan;
}

/** A bigger review page is not attached: base64 makes it a third larger, and mail servers cap messages at 10–25 MB. */
export const MAX_ATTACHED_PAGE_BYTES = 5 * 1_048_576;

export interface DeliveryContext {
  csvPath: string;
  /** The report path as shown to people (relative to the cwd when inside it). */
  shownPath: string;
  exitCode: number;
  /** Reasons beyond findings that make the run worth a look (e.g. growth since the last run). */
  notes: string[];
}

/** A run is worth telling someone about when it found something, stopped early, or grew. */
export function worthTelling(r: DetectResult, notes: string[]): boolean {
  return r.orphans.length > 0 || r.missing.length > 0 || !r.complete || notes.length > 0;
}

/** Sends what the plan says. Never throws: failures are logged; the caller decides the exit code. */
export async function deliver(plan: NotifyPlan, r: DetectResult, ctx: DeliveryContext, log: Logger): Promise<{ emailFailed: boolean; webhookFailed: boolean }> {
  let emailFailed = false;
  let webhookFailed = false;
  const worth = worthTelling(r, ctx.notes);
  if (plan.emailSkipped && worth) log.warn(plan.emailSkipped);
  if (plan.email && (worth || plan.email.always)) {
    const e = plan.email;
    try {
      const content = renderEmail(r, { reportPath: ctx.shownPath, subjectPrefix: e.subjectPrefix, notes: ctx.notes });
      const pagePath = ctx.csvPath.replace(/(\.csv)?$/i, '.html');
      const pageBytes = e.attachHtml && existsSync(pagePath) ? statSync(pagePath).size : 0;
      if (pageBytes > MAX_ATTACHED_PAGE_BYTES) log.info(`The review page (${(pageBytes / 1_048_576).toFixed(1)} MB) is too large to attach; it is on disk beside the report`);
      const page = pageBytes && pageBytes <= MAX_ATTACHED_PAGE_BYTES ? { path: pagePath, content: readFileSync(pagePath, 'utf8') } : undefined;
      const sent = await sendEmail({ smtp: e.smtp, from: e.from, to: e.to, content, attachment: { path: ctx.csvPath, content: readFileSync(ctx.csvPath, 'utf8') }, page });
      log.info(`Email summary sent to ${sent.accepted} recipient(s) (${e.recipientsFrom}) via ${e.smtp.label}`);
    } catch (err) {
      emailFailed = true;
      log.error(`email summary NOT sent via ${e.smtp.label}: ${(err as Error).message}. The report is on disk: ${ctx.shownPath}. Check SMTP_URL (host, port, user, password).`);
    }
  } else if (plan.email) {
    log.info('No findings: no email sent (use --email-always to send one anyway)');
  }
  if (plan.webhook && (worth || plan.webhook.always)) {
    try {
      await postWebhook(plan.webhook, webhookBody(plan.webhook, r, { reportPath: ctx.shownPath, exitCode: ctx.exitCode, notes: ctx.notes }));
      log.info(`Webhook notified (${plan.webhook.format}, ${plan.webhook.label})`);
    } catch (err) {
      webhookFailed = true;
      log.error(`webhook NOT notified: ${(err as Error).message}. The report is on disk: ${ctx.shownPath}.`);
    }
  }
  return { emailFailed, webhookFailed };
}
