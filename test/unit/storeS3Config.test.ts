import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { s3Failure } from '../../activities/s3Store.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { FailureType } from '../../src/errors.js';

describe('config: S3 storage', () => {
  it('is off without S3_BUCKET: videos stay in STORAGE_DIR', () => {
    const c = loadConfig({});
    assert.equal(c.storage.s3, undefined);
    assert.match(c.storage.dir, /videos$/);
  });

  it('S3_BUCKET alone: AWS S3 with the default credential chain, us-east-1, virtual-hosted style, prefix videos/', () => {
    const c = loadConfig({ S3_BUCKET: 'my-videos' });
    assert.deepEqual(c.storage.s3, {
      bucket: 'my-videos',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
      prefix: 'videos/',
    });
  });

  it('S3_ENDPOINT (MinIO etc.) turns path-style addressing on unless told otherwise', () => {
    const minio = loadConfig({ S3_BUCKET: 'b1b', S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_REGION: 'eu-west-3' }).storage.s3;
    assert.equal(minio?.endpoint, 'http://127.0.0.1:9000');
    assert.equal(minio?.region, 'eu-west-3');
    assert.equal(minio?.forcePathStyle, true);
    assert.equal(loadConfig({ S3_BUCKET: 'b1b', S3_ENDPOINT: 'https://s3.example.com', S3_FORCE_PATH_STYLE: 'false' }).storage.s3?.forcePathStyle, false);
    assert.equal(loadConfig({ S3_BUCKET: 'b1b', S3_FORCE_PATH_STYLE: 'TRUE' }).storage.s3?.forcePathStyle, true);
    assert.equal(loadConfig({ S3_BUCKET: 'b1b', S3_FORCE_PATH_STYLE: '0' }).storage.s3?.forcePathStyle, false);
  });

  it('takes static credentials, and keeps the secret out of JSON and inspect output', () => {
    const s3 = loadConfig({ S3_BUCKET: 'bkt', S3_ACCESS_KEY_ID: 'AKIAEXAMPLE', S3_SECRET_ACCESS_KEY: 'very-secret-value' }).storage.s3;
    assert.equal(s3?.credentials?.accessKeyId, 'AKIAEXAMPLE');
    assert.equal(s3?.credentials?.secretAccessKey, 'very-secret-value', 'the SDK still gets it');
    assert.doesNotMatch(JSON.stringify(s3), /very-secret-value/);
    assert.doesNotMatch(inspect(s3, { depth: 5 }), /very-secret-value/);
    assert.doesNotMatch(JSON.stringify(loadConfig({ S3_BUCKET: 'bkt', S3_ACCESS_KEY_ID: 'A', S3_SECRET_ACCESS_KEY: 'very-secret-value' })), /very-secret-value/);
  });

  it('S3_PREFIX is used as given; empty means the bucket root', () => {
    assert.equal(loadConfig({ S3_BUCKET: 'bkt', S3_PREFIX: 'kling/prod/' }).storage.s3?.prefix, 'kling/prod/');
    assert.equal(loadConfig({ S3_BUCKET: 'bkt', S3_PREFIX: '' }).storage.s3?.prefix, '');
  });

  it('refuses what cannot work, naming the variable', () => {
    const invalid = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && pattern.test(err.message));
    invalid({ S3_BUCKET: 'bkt', S3_ACCESS_KEY_ID: 'only-the-id' }, /S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together/);
    invalid({ S3_BUCKET: 'bkt', S3_SECRET_ACCESS_KEY: 'only-the-secret' }, /must be set together/);
    invalid({ S3_BUCKET: 'bkt', S3_ENDPOINT: 'minio:9000' }, /S3_ENDPOINT/);
    invalid({ S3_BUCKET: 'bkt', S3_ENDPOINT: 'ftp://minio:9000' }, /S3_ENDPOINT/);
    invalid({ S3_BUCKET: 'bkt', S3_FORCE_PATH_STYLE: 'maybe' }, /S3_FORCE_PATH_STYLE: must be true or false/);
    invalid({ S3_BUCKET: 'bkt', S3_PREFIX: '/videos/' }, /S3_PREFIX/);
    invalid({ S3_BUCKET: 'a/b' }, /S3_BUCKET/);
    // Settings without the switch would silently keep videos on local disk.
    invalid({ S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'x', S3_SECRET_ACCESS_KEY: 'y' }, /S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY set but S3_BUCKET is not/);
    assert.doesNotThrow(() => loadConfig({ S3_REGION: 'eu-west-1' }), 'a region alone is harmless');
  });
});

describe('S3 errors → activity failures', () => {
  const uri = 's3://bkt/videos/gen-1.mp4';
  const awsError = (name: string, status: number, message = '') =>
    Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status, requestId: 'req-1' } });

  it('refusals are final: AccessDenied, NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch, EntityTooLarge, a redirect', () => {
    for (const [name, status] of [
      ['AccessDenied', 403],
      ['NoSuchBucket', 404],
      ['InvalidAccessKeyId', 403],
      ['SignatureDoesNotMatch', 403],
      ['EntityTooLarge', 400],
      ['PermanentRedirect', 301],
    ] as const) {
      const f = s3Failure(awsError(name, status, 'explained'), uri);
      assert.equal(f.type, FailureType.s3Rejected, name);
      assert.equal(f.nonRetryable, true, name);
      assert.equal(f.message, `S3 refused to store ${uri}: ${name} (HTTP ${status}): explained`);
      assert.deepEqual(f.details, [{ storage: 's3', uri, httpStatus: status, code: name, requestId: 'req-1' }]);
    }
  });

  it('server errors, throttling, transient 4xx and network failures are retried', () => {
    for (const [name, status] of [
      ['InternalError', 500],
      ['ServiceUnavailable', 503],
      ['SlowDown', 503],
      ['TooManyRequests', 429],
      ['RequestTimeout', 400],
      ['ExpiredToken', 400],
      ['OperationAborted', 409],
      ['NoSuchUpload', 404],
    ] as const) {
      const f = s3Failure(awsError(name, status), uri);
      assert.equal(f.type, FailureType.s3Unavailable, name);
      assert.equal(f.nonRetryable, false, name);
    }
    const refused = s3Failure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), uri);
    assert.equal(refused.type, FailureType.s3Unavailable);
    assert.equal(refused.nonRetryable, false);
    assert.match(refused.message, /ECONNREFUSED/);
  });
});
