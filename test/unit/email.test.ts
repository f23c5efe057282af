import { describe, expect, it } from 'vitest';
import { emailSubject, escapeHtml, renderEmail } from '../../src/report/email.js';
import { parseRecipients, resolveRecipients } from '../../src/notify/recipients.js';
import { parseSmtpUrl } from '../../src/notify/smtp.js';
import { diagnostic } from '../../src/config/redact.js';
import { missing, orphan, result } from './notify-fixture.js';

describe('renderEmail', () => {
  it('carries what the sample email carries', () => {
    const { subject, text, html } = renderEmail(result(), { reportPath: 'reports/x.csv' });
    expect(subject).toBe('asset-audit acme: 2 orphaned file(s), 2 missing asset(s) (1 ACTIVE)');
    for (const s of ['Scan Date: 2025-10-13 01:00:00 UTC', 'Scan Range: uploads of the last 30 day(s)', 'Total Cloudinary Files Scanned: 257', 'Valid Files: 255 (99.2%)', 'Orphaned Files: 2 (0.8%)', 'Total Orphan Size: 3.0 MB', '1. prompts/orphan_0 (image/upload, 1.0 MB', 'Total Missing: 2', 'ACTIVE (showing broken media): 1', 'DELETED (in trash): 1', "prompts #123: 'Prompt 123'", 'CRITICAL: 1 ACTIVE record(s)', 'Recommended Actions:', 'Calls Used: 5 this run; 5/500 used this hour (1.0%)', 'Execution Time: 18.5 seconds', 'Full report: reports/x.csv']) {
      expect(text).toContain(s);
    }
    expect(html).toContain('<a href="https://example.com/prompt/123/">');
  });

  it('lists the first 20 and says how many more', () => {
    const r = result({ orphans: Array.from({ length: 25 }, (_, i) => orphan(i)), missing: Array.from({ length: 30 }, (_, i) => missing(i, 'DELETED')) });
    const { text } = renderEmail(r, { reportPath: 'r.csv' });
    expect(text).toContain('20. prompts/orphan_19');
    expect(text).not.toContain('prompts/orphan_20 ');
    expect(text).toContain('… and 5 more in the attached report');
    expect(text).toContain('… and 10 more in the attached report');
    expect(text).not.toContain('CRITICAL');
  });

  it('escapes hostile titles, authors and ids in HTML and refuses javascript: record links', () => {
    const evil = missing(1, 'ACTIVE', '<script>alert("x")</script>');
    evil.author = '<b>mallory</b>';
    evil.recordUrl = 'javascript:alert(1)';
    const { html } = renderEmail(result({ missing: [evil], orphans: [{ ...orphan(0), publicId: 'a/<img onerror=1>' }] }), { reportPath: 'r&d.csv' });
    expect(html).not.toMatch(/<script|<b>mallory|<img onerror|href="javascript/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(html).toContain('r&amp;d.csv');
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('says when a scan is incomplete and why it is worth a look', () => {
    const r = result({ complete: false, incompleteReason: 'stopped at 475/500 calls', orphans: [], missing: [] });
    expect(emailSubject(r)).toBe('asset-audit acme: INCOMPLETE scan, 0 orphaned file(s), 0 missing asset(s)');
    const { text } = renderEmail(r, { reportPath: 'r.csv', notes: ['orphans grew by 40'] });
    expect(text).toContain('INCOMPLETE SCAN: stopped at 475/500 calls');
    expect(text).toContain('NOTE: orphans grew by 40');
  });
});

describe('recipients and SMTP_URL', () => {
  it('reads ADMINS as Django sets it in the environment', () => {
    expect(parseRecipients('Ann Admin <ann@example.com>, bob@example.com', 'ADMINS')).toEqual([
      { name: 'Ann Admin', address: 'ann@example.com' },
      { name: '', address: 'bob@example.com' },
    ]);
    expect(() => parseRecipients('not an address', 'ADMINS')).toThrow(/ADMINS: .* is not an email address/);
  });

  it('takes the flag, then the config, then ADMINS', () => {
    expect(resolveRecipients({ flag: 'a@x.io', config: 'b@x.io', env: 'c@x.io' })?.from).toBe('--email-to');
    expect(resolveRecipients({ config: ['b@x.io', 'B2 <b2@x.io>'], env: 'c@x.io' })?.recipients).toHaveLength(2);
    expect(resolveRecipients({ env: 'c@x.io' })?.from).toBe('ADMINS');
    expect(resolveRecipients({})).toBeUndefined();
  });

  it('registers the SMTP password as a secret and labels without credentials', () => {
    const t = parseSmtpUrl('smtps://user:p%40ss-w0rd-zz@mail.example.com')!;
    expect(t.label).toBe('smtps://mail.example.com:465');
    expect(diagnostic('failed: p@ss-w0rd-zz and p%40ss-w0rd-zz')).toBe('failed: **** and ****');
    expect(() => parseSmtpUrl('http://x')).toThrow(/SMTP_URL must start with smtp:\/\//);
    expect(parseSmtpUrl('')).toBeUndefined();
  });
});
