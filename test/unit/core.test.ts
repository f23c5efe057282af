import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ExistenceLedger, ignoreMatcher, inScope } from '../../src/audit/classify.js';
import { parseCloudinaryUrl } from '../../src/config/cloudinary-url.js';
import { parseConfigText, stripJsonComments } from '../../src/config/load.js';
import { diagnostic, registerSecret } from '../../src/config/redact.js';
import { buildScope } from '../../src/config/scope.js';
import { PartitionMasks } from '../../src/audit/partitions.js';
import { CLOUDINARY_PARTITIONS } from '../../src/storage/cloudinary/partitions.js';
import { etaText } from '../../src/cli/detect.js';
import { parseDatabaseUrl } from '../../src/database/open.js';
import { parsePostgresUrl } from '../../src/database/postgres/config.js';
import { POSTGRES_SQL } from '../../src/database/postgres/reader.js';
import { sourceSql } from '../../src/database/sql.js';
import { fillTemplate } from '../../src/references/record.js';
import { neutralise, unneutralise } from '../../src/report/neutralise.js';
import { normaliseSdkError } from '../../src/storage/cloudinary/errors.js';
import { BudgetExhausted, RateLimitGuard } from '../../src/storage/cloudinary/guard.js';
import { retrying } from '../../src/storage/cloudinary/retry.js';
import { StorageError } from '../../src/storage/cloudinary/errors.js';

describe('config file', () => {
  const file = 'asset-audit.config.json';
  it('accepts the documented shape and fills defaults', () => {
    const { config, errors } = parseConfigText(
      JSON.stringify({ references: [{ name: 'a', query: 'SELECT x AS ref FROM t' }, { name: 'b', table: 'p', column: 'avatar', id: 'id' }], ignore: ['static/*'] }),
      file,
    );
    expect(errors).toEqual([]);
    expect(config!.reportsDir).toBe('reports');
    expect(config!.references[0]!.extract).toBe('auto');
  });
  it('names the key and the fix for unknown keys, duplicates and bad identifiers', () => {
    const { errors } = parseConfigText(
      JSON.stringify({ references: [{ name: 'a', table: 'p; DROP', column: 'c' }, { name: 'a', query: 'SELECT 1 AS ref' }], ignor: [] }),
      file,
    );
    expect(errors.join('\n')).toMatch(/unknown key\(s\) "ignor"/);
    expect(errors.join('\n')).toMatch(/references\[0\]/);
    expect(errors.join('\n')).toMatch(/references\[1\]\.name: duplicate source name "a"/);
  });
  it('requires at least one source', () => {
    expect(parseConfigText('{"references": []}', file).errors[0]).toMatch(/references: list at least one reference source/);
  });
  it('reads YAML and reports syntax errors', () => {
    expect(parseConfigText('references:\n  - name: a\n    table: t\n    column: c\n', 'x.yaml').config?.references).toHaveLength(1);
    expect(parseConfigText('references: [', 'x.yml').errors[0]).toMatch(/not valid YAML/);
  });
  it('lets JSON carry comments outside strings', () => {
    expect(JSON.parse(stripJsonComments('{ // note\n "a": "http://x/*y*/" /* c */ }'))).toEqual({ a: 'http://x/*y*/' });
  });
});

describe('table sources', () => {
  it('quote identifiers and never splice anything else', () => {
    expect(sourceSql({ name: 'x', table: 'accounts_profile', column: 'avatar', id: 'id', extract: 'auto' }, POSTGRES_SQL)).toBe(
      'SELECT "id" AS id, "avatar" AS ref FROM "accounts_profile" WHERE "avatar" IS NOT NULL',
    );
    expect(sourceSql({ name: 'x', query: 'SELECT a AS ref FROM t;  ', extract: 'auto' }, POSTGRES_SQL)).toBe('SELECT a AS ref FROM t');
  });
  it('fill record URL templates with encoded values', () => {
    expect(fillTemplate('https://x/p/{id}/{slug}?q={missing}', { id: 7, slug: 'a b/c' })).toBe('https://x/p/7/a%20b%2Fc?q={missing}');
  });
});

describe('scope flags', () => {
  const now = new Date('2026-01-31T00:00:00Z');
  it('defaults to 30 days, all types, both checks', () => {
    const s = buildScope({}, now, CLOUDINARY_PARTITIONS, 'cloudinary');
    expect(s).toMatchObject({ days: 30, since: '2026-01-01T00:00:00.000Z', resourceTypes: ['image', 'video', 'raw'], types: ['upload', 'private', 'authenticated'], orphans: true, missing: true });
  });
  it('--all clears the window', () => expect(buildScope({ all: true }, now, CLOUDINARY_PARTITIONS, 'cloudinary')).toMatchObject({ days: null, since: null }));
  it.each([
    [{ all: true, days: '3' }, /--all and --days/],
    [{ days: '0' }, /at least 1/],
    [{ days: '1.5' }, /whole number/],
    [{ resourceType: 'image,gif' }, /unknown value "gif"/],
    [{ type: 'fetch' }, /--type: unknown value "fetch"/],
    [{ orphansOnly: true, missingOnly: true }, /exclude each other/],
  ])('rejects %j', (flags, message) => expect(() => buildScope(flags, now, CLOUDINARY_PARTITIONS, 'cloudinary')).toThrow(message));
  it.each([[{ resourceType: 'image' }, /--resource-type: the local backend keeps every file in one partition/], [{ type: 'upload' }, /--type: .*nothing to narrow; drop --type/]])(
    'a one-partition backend refuses %j',
    (flags, message) => expect(() => buildScope(flags, now, [{ resourceType: 'file', type: 'local' }], 'local')).toThrow(message),
  );
});

describe('environment', () => {
  it('parses CLOUDINARY_URL with query settings and masks the secret', () => {
    const c = parseCloudinaryUrl('cloudinary://1234:abcdSECRET@my-cloud?upload_prefix=http://127.0.0.1:9');
    expect(c).toMatchObject({ cloudName: 'my-cloud', apiKey: '1234', apiSecret: 'abcdSECRET', params: { upload_prefix: 'http://127.0.0.1:9' } });
    expect(c.masked).not.toContain('abcdSECRET');
    expect(diagnostic('failed with abcdSECRET inside')).toBe('failed with **** inside');
  });
  it.each(['', 'https://a:b@c', 'cloudinary://key@cloud', 'cloudinary://:s@cloud'])('rejects CLOUDINARY_URL %j', (v) => {
    expect(() => parseCloudinaryUrl(v)).toThrow(/CLOUDINARY_URL/);
  });
  it('honours sslmode and PGSSLMODE, local hosts default to plain text, remote to TLS', () => {
    expect(parsePostgresUrl('postgres://u:p@db.example.com/x', {}).sslMode).toBe('prefer');
    expect(parsePostgresUrl('postgres://u:p@localhost/x', {}).sslMode).toBe('disable');
    expect(parsePostgresUrl('postgres://u:p@h/x?sslmode=require', {})).toMatchObject({ sslMode: 'require', label: 'h/x' });
    expect(parseDatabaseUrl('postgres://u:p@h/x?sslmode=require', {})).toMatchObject({ dialect: 'postgres', summary: 'sslmode require', label: 'h/x' });
    expect(parsePostgresUrl('postgres://u:p@h/x', { PGSSLMODE: 'verify-full' }).sslMode).toBe('verify-full');
    expect(() => parsePostgresUrl('postgres://u:p@h/x?sslmode=sometimes', {})).toThrow(/sslmode/);
    expect(() => parseDatabaseUrl('mongodb://u:p@h/x', {})).toThrow(/postgres:, postgresql:/);
  });
  it('redacts passwords in any URL', () => {
    registerSecret('pw-registered');
    expect(diagnostic('postgres://user:unregistered@host/db and pw-registered')).toBe('postgres://user:****@host/db and ****');
  });
});

describe('formula neutralisation', () => {
  it('prefixes dangerous cells', () => {
    expect(neutralise('=HYPERLINK("x")')).toBe(`'=HYPERLINK("x")`);
    expect(neutralise('+1')).toBe(`'+1`);
    expect(neutralise('plain')).toBe('plain');
  });
  it('round-trips every string', () => {
    fc.assert(fc.property(fc.string(), (s) => unneutralise(neutralise(s)) === s));
  });
});

describe('existence ledger', () => {
  it('a typed reference is missing only when its partition is proven empty of it', () => {
    const l = new ExistenceLedger(new PartitionMasks(CLOUDINARY_PARTITIONS));
    const key = [{ publicId: 'a', resourceType: 'image' as const, type: 'upload' as const }];
    expect(l.provenMissing(key)).toBe(false);
    l.markListedFully({ resourceType: 'image', type: 'upload' }, 'b/');
    expect(l.provenMissing(key)).toBe(false);
    l.markListedFully({ resourceType: 'image', type: 'upload' }, '');
    expect(l.provenMissing(key)).toBe(true);
  });
  it('a bare id needs every partition ruled out, and any sighting settles it', () => {
    const l = new ExistenceLedger(new PartitionMasks(CLOUDINARY_PARTITIONS));
    const bare = [{ publicId: 'x' }];
    for (const resourceType of ['image', 'video', 'raw'] as const) {
      for (const type of ['upload', 'private'] as const) l.markLookedUp({ resourceType, type }, 'x');
    }
    expect(l.provenMissing(bare)).toBe(false);
    for (const resourceType of ['image', 'video', 'raw'] as const) l.markLookedUp({ resourceType, type: 'authenticated' }, 'x');
    expect(l.provenMissing(bare)).toBe(true);
    l.markSeen('raw', 'upload', 'x');
    expect(l.exists(bare)).toBe(true);
    expect(l.provenMissing(bare)).toBe(false);
  });
  it('scope keeps references whose candidates could lie inside it', () => {
    const scope = { days: 30, since: null, prefix: 'p/', resourceTypes: ['image' as const], types: ['upload' as const], orphans: true, missing: true };
    expect(inScope([{ publicId: 'p/a' }], scope)).toBe(true);
    expect(inScope([{ publicId: 'q/a' }], scope)).toBe(false);
    expect(inScope([{ publicId: 'p/a', resourceType: 'video' }], scope)).toBe(false);
  });
  it('ignore globs match public_ids', () => {
    const m = ignoreMatcher(['static/*', 'defaults/**']);
    expect(m('static/a')).toBe(true);
    expect(m('static/a/b')).toBe(false);
    expect(m('defaults/a/b')).toBe(true);
    expect(m('other')).toBe(false);
  });
});

describe('progress ETA', () => {
  it('says nothing until three calls are made and while there is no estimate', () => {
    expect(etaText(2, 100, 10)).toBe('');
    expect(etaText(10, undefined, 10)).toBe('');
    expect(etaText(120, 100, 10)).toBe('');
  });
  it('extrapolates the calls left at the rate so far', () => {
    expect(etaText(10, 40, 5)).toBe(', about 15 s left');
    expect(etaText(10, 1010, 5)).toBe(', about 8 min left');
  });
});

describe('Cloudinary errors and budget', () => {
  it('normalises the SDK rejection shapes and drops request_options', () => {
    const withAuth = { request_options: { auth: 'key:TOPSECRET' }, query_params: 'x', error: { message: 'Rate Limit Exceeded', http_code: 420 } };
    const e = normaliseSdkError(withAuth);
    expect(e).toMatchObject({ kind: 'rate_limited', status: 420 });
    expect(JSON.stringify(e) + e.message).not.toContain('TOPSECRET');
    expect(normaliseSdkError({ message: 'Server returned unexpected status code - 502', http_code: 502, request_options: {} }).kind).toBe('server');
    expect(normaliseSdkError({ error: { message: 'Invalid api_key', http_code: 401 } }).kind).toBe('auth');
    expect(normaliseSdkError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).kind).toBe('network');
    expect(normaliseSdkError({ error: { message: 'Server return invalid JSON response. Status Code 200', http_code: 200 } }).kind).toBe('invalid_response');
  });
  it('the guard stops before the threshold, counting calls in flight', () => {
    const g = new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95 });
    g.acquire();
    g.release({ limit: 100, remaining: 10 });
    g.acquire(); // 91st
    g.acquire(); // 92nd
    g.acquire(); // 93rd
    g.acquire(); // 94th
    g.acquire(); // 95th
    expect(() => g.acquire()).toThrow(BudgetExhausted);
  });
  it('warns once at the warning threshold', () => {
    const warned: number[] = [];
    const g = new RateLimitGuard({ warnAt: 0.8, stopAt: 0.95, onWarn: (b) => warned.push(b.remaining) });
    for (const remaining of [30, 20, 19, 18]) {
      g.acquire();
      g.release({ limit: 100, remaining });
    }
    expect(warned).toEqual([20]);
  });
  it('retries only transient failures, within the attempt limit', async () => {
    let calls = 0;
    const policy = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2, totalBudgetMs: 1000, deadlineMs: 1000 };
    await expect(retrying(policy, async () => { calls++; throw new StorageError('server', 'boom', 500); })).rejects.toThrow('boom');
    expect(calls).toBe(3);
    calls = 0;
    await expect(retrying(policy, async () => { calls++; throw new StorageError('bad_request', 'no', 400); })).rejects.toThrow('no');
    expect(calls).toBe(1);
    calls = 0;
    expect(await retrying(policy, async () => (++calls < 2 ? Promise.reject(new StorageError('network', 'reset')) : 'ok'))).toBe('ok');
  });
});
