/** Doctor: the mail server and recipients for the summary email, and the webhook URL. */
import type { FileConfig } from '../config/schema.js';
import { verifySmtp } from '../notify/email.js';
import { resolveRecipients } from '../notify/recipients.js';
import { parseSmtpUrl, type SmtpTarget } from '../notify/smtp.js';
import { parseNotifyUrl } from '../notify/webhook.js';
import { errorMessage, type Report } from './check.js';

export async function checkNotifications(config: FileConfig | undefined, env: NodeJS.ProcessEnv, report: Report): Promise<void> {
  let smtp: SmtpTarget | undefined;
  try {
    smtp = parseSmtpUrl(env.SMTP_URL) ?? parseSmtpUrl(config?.email?.smtpUrl, 'config email.smtpUrl');
  } catch (err) {
    report('fail', 'SMTP_URL', errorMessage(err));
    return;
  }
  let recipients: string | undefined;
  try {
    const r = resolveRecipients({ config: config?.email?.to, env: env.ADMINS });
    recipients = r ? `${r.recipients.length} recipient(s) from ${r.from}` : undefined;
  } catch (err) {
    report('fail', 'email recipients', errorMessage(err));
  }
  if (!smtp) {
    if (recipients) report('warn', 'email', `${recipients}, but no mail server`, 'set SMTP_URL=smtp://USER:PASSWORD@HOST:587 to send the summary email');
    else report('skip', 'email', 'not configured (set SMTP_URL and ADMINS or email.to to email summaries)');
  } else {
    try {
      await verifySmtp(smtp);
      report('ok', 'SMTP', `${smtp.label} reachable, login accepted${recipients ? `; ${recipients}` : ''}`);
      if (!recipients) report('warn', 'email recipients', 'none', 'set ADMINS, email.to in the config, or pass --email-to to detect');
    } catch (err) {
      report('fail', 'SMTP', `${smtp.label}: ${errorMessage(err)}`, 'check host, port, user and password in SMTP_URL (smtps:// for TLS on 465, smtp:// for STARTTLS on 587)');
    }
  }
  const url = env.NOTIFY_URL ?? config?.notify?.url;
  if (url) {
    try {
      const t = parseNotifyUrl(url, config?.notify?.format, env.NOTIFY_URL ? 'NOTIFY_URL' : 'config notify.url');
      report('ok', 'webhook', `${t.label} (${t.format}); not posted by doctor`);
    } catch (err) {
      report('fail', 'webhook', errorMessage(err));
    }
  }
}
