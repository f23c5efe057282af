import { describe, expect, it } from 'vitest';
import { capturedStream } from '../support/captured-stream.js';
import { createOutput, parseLogFormat } from '../../src/cli/output.js';
import { registerSecret } from '../../src/config/redact.js';

const stream = (tty: boolean) => capturedStream(tty, 80);

describe('output', () => {
  it('on a TTY: colour and a live line rewritten in place, with the status after the message', () => {
    const err = stream(true);
    const out = createOutput({ stderr: err, stdout: stream(false), env: {} });
    out.setStatus(() => '12 API call(s), budget 4988/5000, 3 s');
    out.log.progress('listed 6,000 assets (image/*: page 12)');
    expect(err.text).toMatch(/^\r\x1b\[K.*listed 6,000 assets \(image\/\*: page 12\) · 12 API call\(s\), budget 4988\/5000, 3 s/);
    out.log.warn('careful');
    expect(err.text).toContain('\r\x1b[K'); // the live line is cleared before the next line
    expect(err.text).toContain('\x1b[33mwarning: careful');
  });

  it('without a TTY: no control codes, timestamped plain lines, the status (calls, budget, time left) on progress lines', () => {
    const err = stream(false);
    const out = createOutput({ stderr: err, stdout: stream(false), env: {} });
    out.setStatus(() => 'budget');
    out.log.progress('listed 500 assets');
    out.log.info('done');
    expect(err.text).not.toMatch(/\x1b|\r/);
    expect(err.text).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] listed 500 assets · budget\n\[.*\] done\n$/);
  });

  it('NO_COLOR and FORCE_COLOR', () => {
    const a = stream(true);
    createOutput({ stderr: a, env: { NO_COLOR: '1' } }).log.warn('x');
    expect(a.text).not.toContain('\x1b[33m');
    const b = stream(false);
    createOutput({ stderr: b, env: { FORCE_COLOR: '1' } }).log.warn('x');
    expect(b.text).toContain('\x1b[33m');
  });

  it('--log-format json: one JSON object per line, summary included, secrets masked', () => {
    registerSecret('json-log-secret-1');
    const err = stream(true);
    const out = createOutput({ stderr: err, env: { FORCE_COLOR: '1' }, logFormat: 'json', verbose: true });
    out.log.info('reading json-log-secret-1');
    out.log.progress('listed 1 asset');
    out.log.warn('w');
    out.log.debug('d');
    out.print(['', 'Results', 'Report: r.csv']);
    const records = err.text.trim().split('\n').map((l) => JSON.parse(l) as { level: string; msg: string; time: string });
    expect(records.map((r) => r.level)).toEqual(['info', 'progress', 'warn', 'debug', 'info', 'info']);
    expect(records[0]!.msg).toBe('reading ****');
    expect(err.text).not.toMatch(/\x1b/);
    expect(() => parseLogFormat('xml')).toThrow(/--log-format: use text or json/);
  });
});
