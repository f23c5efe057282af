/** The s3:// storage URL: what it names, and that credentials never ride in it. */
import { describe, expect, it } from 'vitest';
import { parseS3Url } from '../../src/storage/s3/url.js';
import { AuditError } from '../../src/errors.js';

const usage = (url: string): string => {
  try {
    parseS3Url(url, 'STORAGE_URL');
  } catch (err) {
    expect(err).toBeInstanceOf(AuditError);
    expect((err as AuditError).kind).toBe('usage');
    return (err as Error).message;
  }
  throw new Error(`expected ${url} to be refused`);
};

describe('s3:// storage URL', () => {
  it.each([
    ['s3://media', { bucket: 'media', prefix: '', forcePathStyle: false }],
    ['s3://media/', { bucket: 'media', prefix: '' }],
    ['s3://media/uploads', { bucket: 'media', prefix: 'uploads/' }],
    ['s3://media/uploads/2024/', { bucket: 'media', prefix: 'uploads/2024/' }],
    ['s3://media/my%20files', { bucket: 'media', prefix: 'my files/' }],
    ['s3://my.bucket.example?region=eu-west-1', { bucket: 'my.bucket.example', region: 'eu-west-1' }],
    ['s3://media/m?endpoint=http://minio:9000&forcePathStyle=true', { endpoint: 'http://minio:9000', forcePathStyle: true, prefix: 'm/' }],
    ['s3://media?endpoint=https://acct.r2.cloudflarestorage.com&region=auto', { region: 'auto', endpoint: 'https://acct.r2.cloudflarestorage.com' }],
  ])('%s', (url, expected) => {
    expect(parseS3Url(url, 'STORAGE_URL')).toMatchObject(expected);
  });

  it('refuses credentials in the URL and points at the AWS chain, without repeating them', () => {
    const m = usage('s3://AKIAXXXX:supersecret@media/uploads');
    expect(m).toMatch(/credentials do not go in the S3 URL.*AWS_ACCESS_KEY_ID/);
    expect(m).not.toContain('supersecret');
    expect(usage('s3://media?secretAccessKey=supersecret')).toMatch(/"secretAccessKey" does not go in the S3 URL/);
    expect(usage('s3://media?endpoint=https://user:pw@minio')).toMatch(/credentials do not go in the endpoint URL/);
  });

  it('refuses what it cannot read', () => {
    expect(usage('s3://')).toMatch(/is not a bucket name/);
    expect(usage('s3://media?colour=blue')).toMatch(/unknown S3 URL parameter "colour"; known: region, endpoint, forcePathStyle/);
    expect(usage('s3://media?forcePathStyle=yes')).toMatch(/forcePathStyle must be true or false/);
    expect(usage('s3://media?endpoint=minio:9000')).toMatch(/not an http\(s\) URL/);
    expect(usage('s3://media/%zz')).toMatch(/not valid percent-encoding/);
  });
});
