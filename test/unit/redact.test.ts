import { afterEach, describe, expect, it } from 'vitest';
import { capturedStream } from '../support/captured-stream.js';
import { createOutput, terminalText } from '../../src/cli/output.js';
import { clearSecrets, diagnostic, errorMessage, registerSecret } from '../../src/config/redact.js';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { parseSmtpUrl } from '../../src/notify/smtp.js';
import { parseNotifyUrl } from '../../src/notify/webhook.js';
import { oneLine } from '../../src/report/one-line.js';
import { normaliseSdkError } from '../../src/storage/cloudinary/errors.js';

const stream = (tty: boolean) => capturedStream(tty, 40);

afterEach(() => clearSecrets());

const SPECIAL = 'q"b\\<&>z';

describe('diagnostic: credentials masked in text about the run', () => {
  it('masks a whole registered secret in every form it can take inside a diagnostic', () => {
    registerSecret(SPECIAL);
    expect(diagnostic(`raw ${SPECIAL} end`)).toBe('raw **** end');
    expect(diagnostic(`url ${encodeURIComponent(SPECIAL)} end`)).toBe('url **** end');
    expect(diagnostic(`json ${JSON.stringify({ p: SPECIAL })} end`)).toBe('json {"p":"****"} end');
    expect(diagnostic('html q&quot;b\\&lt;&amp;&gt;z end')).toBe('html **** end');
  });

  it('ignores values too short to be credentials, and masks a longer secret whole before a shorter one inside it', () => {
    registerSecret('ab');
    registerSecret('');
    registerSecret(undefined);
    expect(diagnostic('ab cd')).toBe('ab cd');
    registerSecret('1024');
    registerSecret('x1024y-long');
    expect(diagnostic('x1024y-long and 1024 bytes')).toBe('**** and **** bytes');
  });

  it('masks any URL credential, registered or not; keeps placeholders readable', () => {
    expect(diagnostic('postgres://user:unregistered@host/db')).toBe('postgres://user:****@host/db');
    expect(diagnostic('cloudinary://API_KEY:API_SECRET@CLOUD_NAME')).toBe('cloudinary://API_KEY:API_SECRET@CLOUD_NAME');
  });

  it('an SDK rejection (a plain object holding key:secret) becomes its message only', () => {
    registerSecret('sdk-secret-value');
    const rejection = { error: { message: 'Invalid Signature sdk-secret-value', http_code: 401 }, request_options: { auth: '123:sdk-secret-value' } };
    expect(errorMessage(rejection)).toBe('Invalid Signature ****');
    expect(errorMessage({ request_options: { auth: '123:sdk-secret-value' } })).toBe('unknown error');
    expect(normaliseSdkError(rejection).message).toBe('Invalid Signature ****');
    expect(errorMessage(new Error('pg: sdk-secret-value'))).toBe('pg: ****');
  });

  it('a webhook URL registers its path and query whole, not each query value', () => {
    parseNotifyUrl('https://hooks.example.com/services/T0/B0/xyz?source=asset-audit&token=tok-123', undefined, '--notify-url');
    expect(diagnostic('asset-audit 0.1.0 source=asset-audit tok-123')).toBe('asset-audit 0.1.0 source=asset-audit tok-123');
    expect(diagnostic('POST https://hooks.example.com/services/T0/B0/xyz?source=asset-audit&token=tok-123 failed')).toBe('POST https://hooks.example.com**** failed');
    parseNotifyUrl('https://hooks.example.com/wh/abc', undefined, '--notify-url');
    expect(diagnostic('https://hooks.example.com/wh/abc failed')).toBe('https://hooks.example.com**** failed');
    parseNotifyUrl('https://hooks.example.com/?token=only-the-query', undefined, '--notify-url');
    expect(diagnostic('sent https://hooks.example.com/?token=only-the-query')).toBe('sent https://hooks.example.com****');
  });
});

describe('a stray % in a credential', () => {
  it('is a usage error naming the variable, not a URIError, and never shows the value', () => {
    expect(() => parseCloudinaryUrl('cloudinary://123:ab%zz-secret@cloud')).toThrow(/^CLOUDINARY_URL: the user name or password holds a "%" not followed by two hex digits/);
    expect(() => parseSmtpUrl('smtp://u:pw%zz-secret@mail.example.com')).toThrow(/^SMTP_URL: the user name or password holds a "%"/);
    expect(diagnostic('ab%zz-secret pw%zz-secret')).toBe('**** ****');
  });
});

describe('oneLine and the terminal: a value from the data cannot forge a line', () => {
  it('escapes control characters and line separators, and nothing else', () => {
    expect(oneLine('a\r\nb\tc\u001b[2Jd\u2028e\u0085f')).toBe('a\\r\\nb\\tc\\u001b[2Jd\\u2028e\\u0085f');
    expect(oneLine('The harness weekly "quoted" <b> & \\ é')).toBe('The harness weekly "quoted" <b> & \\ é');
  });

  it('terminalText masks, escapes stray control characters, keeps line breaks and colour', () => {
    registerSecret('harness');
    expect(terminalText('\u001b[33mwarning: harness\r\u0007\u001b[0m\nnext')).toBe('\u001b[33mwarning: ****\\u000d\\u0007\u001b[0m\nnext');
  });
});

describe('output: diagnostics masked before they are encoded or cut; data emitted exactly', () => {
  it('JSON log lines mask a secret holding " and \\ (masked before JSON encoding)', () => {
    registerSecret(SPECIAL);
    const err = stream(false);
    createOutput({ stderr: err, logFormat: 'json' }).log.error(`connect failed for ${SPECIAL}`);
    expect(JSON.parse(err.text).msg).toBe('connect failed for ****');
    expect(err.text).not.toContain(JSON.stringify(SPECIAL).slice(1, -1));
  });

  it('a live progress line is masked before it is cut to the terminal width', () => {
    registerSecret('secret-at-the-edge-of-the-line');
    const err = stream(true);
    createOutput({ stderr: err, env: {} }).log.progress(`${'x'.repeat(30)} secret-at-the-edge-of-the-line`);
    expect(err.text).not.toContain('secret-at');
  });

  it('--json on stdout is data: a password that equals a word in it is left alone', () => {
    registerSecret('harness');
    const out = stream(false);
    createOutput({ stderr: stream(false), stdout: out }).emit('{"cloudName": "harness-cloud", "bytes": 1024}\n');
    expect(out.text).toBe('{"cloudName": "harness-cloud", "bytes": 1024}\n');
  });
});
