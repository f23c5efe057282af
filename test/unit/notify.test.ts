import { describe, expect, it } from 'vitest';
import { clearSecrets, diagnostic } from '../../src/config/redact.js';
import { jsonSummary, parseNotifyUrl, slackMessage, webhookBody } from '../../src/notify/webhook.js';
import { planNotifications } from '../../src/notify/plan.js';
import { missing, result } from './notify-fixture.js';

describe('webhook formats', () => {
  it('picks Slack by host or by --notify-format, JSON otherwise', () => {
    expect(parseNotifyUrl('https://hooks.slack.com/services/T0/B0/XYZ', undefined, '--notify-url').format).toBe('slack');
    expect(parseNotifyUrl('http://127.0.0.1:9/hook', undefined, '--notify-url').format).toBe('json');
    expect(parseNotifyUrl('http://127.0.0.1:9/hook', 'slack', '--notify-url').format).toBe('slack');
    expect(() => parseNotifyUrl('http://127.0.0.1:9/hook', 'xml', '--notify-url')).toThrow(/--notify-format/);
    expect(() => parseNotifyUrl('ftp://x/y', undefined, 'NOTIFY_URL')).toThrow(/NOTIFY_URL must be an http/);
  });

  it('labels a webhook by origin only, masks its path in diagnostics, and leaves the data in its body alone', () => {
    clearSecrets(); // other tests here register /hook, which "https://hooks…" contains
    const t = parseNotifyUrl('https://hooks.slack.com/services/T0/B0/SECRETTOKEN', undefined, '--notify-url');
    expect(t.label).toBe('https://hooks.slack.com');
    expect(diagnostic(`POST ${t.url} failed`)).toBe('POST https://hooks.slack.com**** failed');
    // a title is the user's data, even when it quotes the webhook's path
    const body = webhookBody(t, result({ missing: [missing(1, 'ACTIVE', 'see /services/T0/B0/SECRETTOKEN')] }), { reportPath: 'r.csv', exitCode: 1 });
    expect(body).toContain("prompts #1 'see /services/T0/B0/SECRETTOKEN'");
  });

  it('Slack gets {text, blocks} with escaped mrkdwn and the critical line', () => {
    const msg = slackMessage(result({ missing: [missing(1, 'ACTIVE', '<@channel> & co')] }), { reportPath: 'reports/x.csv', exitCode: 1 });
    expect(msg.text).toBe('asset-audit acme: 2 orphaned file(s) (3.0 MB), 1 missing asset(s), 1 ACTIVE');
    const all = JSON.stringify(msg.blocks);
    expect(all).toContain('&lt;@channel&gt; &amp; co');
    expect(all).not.toContain('<@channel>');
    expect(all).toContain('1 ACTIVE record(s) show broken media');
    expect(msg.blocks[0]).toMatchObject({ type: 'header' });
  });

  it('the JSON summary holds counts, the first findings and the exit code', () => {
    const s = jsonSummary(result(), { reportPath: 'r.csv', exitCode: 1 });
    expect(s).toMatchObject({ event: 'asset-audit.detect', cloud: 'acme', complete: true, exitCode: 1, orphans: { count: 2 }, missing: { count: 2, active: 1, deleted: 1 }, report: 'r.csv' });
  });
});

describe('planNotifications', () => {
  const env = { SMTP_URL: 'smtp://u:pw-plan-123@127.0.0.1:2525' };
  it('ADMINS without a mail server is a warning, an explicit request an error', () => {
    expect(planNotifications({}, {}, { ADMINS: 'a@x.io' }).emailSkipped).toMatch(/SMTP_URL/);
    expect(() => planNotifications({ emailTo: 'a@x.io' }, {}, {})).toThrow(/no mail server is configured/);
    expect(() => planNotifications({}, { email: { to: 'a@x.io' } }, {})).toThrow(/config email.to/);
    expect(() => planNotifications({ emailAlways: true }, {}, env)).toThrow(/need recipients/);
  });
  it('--no-email wins, and contradicts explicit email flags', () => {
    expect(planNotifications({ email: false }, {}, { ...env, ADMINS: 'a@x.io' }).email).toBeUndefined();
    expect(() => planNotifications({ email: false, emailRequired: true }, {}, env)).toThrow(/--no-email contradicts/);
  });
  it('takes the transport host from config and the credentials from SMTP_URL only', () => {
    const p = planNotifications({}, { email: { to: 'a@x.io', smtpUrl: 'smtp://mail.internal:25', from: 'me@x.io' } }, {});
    expect(p.email).toMatchObject({ from: 'me@x.io', smtp: { label: 'smtp://mail.internal:25' } });
    expect(planNotifications({}, { email: { to: 'a@x.io', smtpUrl: 'smtp://mail.internal:25' } }, env).email?.smtp.label).toBe('smtp://127.0.0.1:2525');
  });
});

describe('--no-email', () => {
  it('ignores a broken SMTP_URL', () => {
    expect(planNotifications({ email: false }, {}, { SMTP_URL: 'nonsense' }).email).toBeUndefined();
    expect(() => planNotifications({}, {}, { SMTP_URL: 'nonsense' })).toThrow(/SMTP_URL is not a valid URL/);
  });
});
