// storeVideo against a real S3-compatible server: MinIO on loopback, provisioned by the
// project (src/tools/minio.ts: built from the Go module proxy on first use, then cached).
// Skipped, with the reason, only where neither MinIO nor Go is installed.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { UploadProgress } from '../../activities/s3Store.js';
import { createStoreActivities } from '../../activities/store.js';
import { loadConfig, type S3Settings } from '../../src/config.js';
import { FailureType } from '../../src/errors.js';
import { createS3Client } from '../../src/storage/s3Client.js';
import { canProvisionMinio, startMinio, type MinioServer } from '../../src/tools/minio.js';
import type { DownloadedVideo } from '../../workflows/types.js';
import { failureOf, silentLogger } from '../support/activityTest.js';

const MiB = 1024 * 1024;
const skip = canProvisionMinio()
  ? false
  : 'MinIO is not installed and Go is not there to build it (install Go, or set MINIO_PATH): S3 storage is not tested';

let minio: MinioServer;
let root: string;

/** Requests by command name, counted by a middleware on the client the activity uses. */
type Counts = Record<string, number>;

function s3Settings(bucket = minio.bucket): S3Settings {
  const config = loadConfig({
    S3_BUCKET: bucket,
    S3_ENDPOINT: minio.endpoint,
    S3_ACCESS_KEY_ID: minio.accessKeyId,
    S3_SECRET_ACCESS_KEY: minio.secretAccessKey,
    S3_PREFIX: 'videos/',
  });
  assert.ok(config.storage.s3);
  return config.storage.s3;
}

function countingClient(settings: S3Settings, counts: Counts): S3Client {
  const client = createS3Client(settings);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      counts[name] = (counts[name] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return client;
}

function storeWith(settings: S3Settings, counts: Counts = {}) {
  const client = countingClient(settings, counts);
  const { storeVideo } = createStoreActivities({ storage: { dir: path.join(root, 'unused-local'), s3: settings }, s3Client: client });
  return { storeVideo, client, counts };
}

function run<T>(fn: () => Promise<T>, heartbeats: UploadProgress[] = [], env = new MockActivityEnvironment(undefined, { logger: silentLogger })): Promise<T> {
  env.on('heartbeat', (d: UploadProgress) => heartbeats.push(d));
  return env.run(fn) as Promise<T>;
}

/** Writes `size` random bytes in 1 MiB chunks (never one big buffer) and returns the download record. */
async function downloadedFile(id: string, size: number): Promise<DownloadedVideo> {
  const file = path.join(root, `${id}.mp4`);
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let done = 0; done < size; ) {
    const chunk = randomBytes(Math.min(MiB, size - done));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    done += chunk.length;
  }
  out.end();
  await finished(out);
  return { path: file, bytes: size, sha256: hash.digest('hex'), contentType: 'video/mp4' };
}

async function objectSha256(key: string): Promise<{ sha256: string; bytes: number }> {
  const res = await minio.client.send(new GetObjectCommand({ Bucket: minio.bucket, Key: key }));
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.Body as Readable) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

const head = (key: string) => minio.client.send(new HeadObjectCommand({ Bucket: minio.bucket, Key: key }));
const uploads = (c: Counts) => (c.PutObjectCommand ?? 0) + (c.CreateMultipartUploadCommand ?? 0) + (c.UploadPartCommand ?? 0) + (c.CompleteMultipartUploadCommand ?? 0);

describe('storeVideo to S3 (MinIO on loopback)', { skip }, () => {
  before(async () => {
    const started = Date.now();
    // Progress of a first-run build goes to stderr; a cached binary starts in about a second.
    minio = await startMinio({ log: (m) => console.error(m) });
    console.error(`MinIO ready at ${minio.endpoint} after ${Date.now() - started} ms`);
    root = await mkdtemp(path.join(os.tmpdir(), 'klingflow-s3store-'));
  });

  after(async () => {
    await minio?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('uploads a multipart-sized file streamed from disk, records its sha256, and deletes the local copy', async () => {
    const d = await downloadedFile('gen-s3-big', 20 * MiB);
    const { storeVideo, counts } = storeWith(s3Settings());
    const heartbeats: UploadProgress[] = [];
    const stored = await run(() => storeVideo({ generationId: 'gen-s3-big', downloaded: d }), heartbeats);

    const key = 'videos/gen-s3-big.mp4';
    assert.deepEqual(stored, { uri: `s3://${minio.bucket}/${key}`, bytes: 20 * MiB, sha256: d.sha256, contentType: 'video/mp4' });
    const h = await head(key);
    assert.equal(h.ContentLength, 20 * MiB);
    assert.equal(h.ContentType, 'video/mp4');
    assert.equal(h.Metadata?.sha256, d.sha256);
    assert.deepEqual(await objectSha256(key), { sha256: d.sha256, bytes: 20 * MiB });

    // 8 MiB parts: 8 + 8 + 4, one multipart upload, no single PUT.
    assert.equal(counts.CreateMultipartUploadCommand, 1);
    assert.equal(counts.UploadPartCommand, 3);
    assert.equal(counts.CompleteMultipartUploadCommand, 1);
    assert.equal(counts.PutObjectCommand ?? 0, 0);
    assert.equal(heartbeats.at(-1)?.bytesUploaded, 20 * MiB, 'heartbeats report the bytes uploaded');
    assert.ok(heartbeats.some((b) => b.bytesUploaded > 0 && b.bytesUploaded < 20 * MiB), 'progress is reported part by part');
    assert.equal(existsSync(d.path), false, 'the local download was deleted after the upload');
  });

  it('is idempotent by key: a retry finds the object by its sha256 and uploads nothing', async () => {
    const d = await downloadedFile('gen-s3-again', 6 * MiB);
    const first = storeWith(s3Settings());
    const stored = await run(() => first.storeVideo({ generationId: 'gen-s3-again', downloaded: d }));
    const before = await head('videos/gen-s3-again.mp4');

    // (a) The earlier attempt's result was lost after it deleted the local file.
    const retry = storeWith(s3Settings());
    assert.deepEqual(await run(() => retry.storeVideo({ generationId: 'gen-s3-again', downloaded: d })), stored);
    assert.equal(uploads(retry.counts), 0, `no upload requests: ${JSON.stringify(retry.counts)}`);
    assert.equal(retry.counts.HeadObjectCommand, 1);

    // (b) The local file is still there (the attempt died between upload and delete).
    const sameBytes = { ...d, path: path.join(root, 'gen-s3-again-copy.mp4') };
    await writeFile(sameBytes.path, await readObject('videos/gen-s3-again.mp4'));
    const retry2 = storeWith(s3Settings());
    assert.deepEqual(await run(() => retry2.storeVideo({ generationId: 'gen-s3-again', downloaded: sameBytes })), stored);
    assert.equal(uploads(retry2.counts), 0, `no upload requests: ${JSON.stringify(retry2.counts)}`);
    assert.equal(existsSync(sameBytes.path), false, 'the local copy is removed even when no upload was needed');

    const afterwards = await head('videos/gen-s3-again.mp4');
    assert.equal(afterwards.ETag, before.ETag);
    assert.equal(afterwards.LastModified?.getTime(), before.LastModified?.getTime());
  });

  it('overwrites an object under the key that has another sha256', async () => {
    const key = 'videos/gen-s3-stale.mp4';
    const staleBytes = randomBytes(1000);
    await minio.client.send(
      new PutObjectCommand({ Bucket: minio.bucket, Key: key, Body: staleBytes, Metadata: { sha256: createHash('sha256').update(staleBytes).digest('hex') } }),
    );
    const d = await downloadedFile('gen-s3-stale', 2 * MiB); // below the part size: a single PUT
    const { storeVideo, counts } = storeWith(s3Settings());
    await run(() => storeVideo({ generationId: 'gen-s3-stale', downloaded: d }));

    assert.equal(counts.PutObjectCommand, 1);
    assert.equal(counts.CreateMultipartUploadCommand ?? 0, 0);
    const h = await head(key);
    assert.equal(h.Metadata?.sha256, d.sha256);
    assert.equal(h.ContentLength, 2 * MiB);
    assert.deepEqual(await objectSha256(key), { sha256: d.sha256, bytes: 2 * MiB });
  });

  it('fails non-retryably when the local file is gone and the object holds other content', async () => {
    const d = await downloadedFile('gen-s3-gone', 1000);
    await minio.client.send(new PutObjectCommand({ Bucket: minio.bucket, Key: 'videos/gen-s3-gone.mp4', Body: randomBytes(1000), Metadata: { sha256: 'f'.repeat(64) } }));
    await rm(d.path);
    const err = await failureOf(run(() => storeWith(s3Settings()).storeVideo({ generationId: 'gen-s3-gone', downloaded: d })));
    assert.equal(err.type, FailureType.storeFailed);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /is gone and s3:\/\/.* holds different content/);
  });

  it('a missing bucket is a non-retryable S3Rejected failure, and the local file stays', async () => {
    const d = await downloadedFile('gen-s3-nobucket', 1000);
    const err = await failureOf(run(() => storeWith(s3Settings('no-such-bucket-klingflow')).storeVideo({ generationId: 'gen-s3-nobucket', downloaded: d })));
    assert.equal(err.type, FailureType.s3Rejected);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /NoSuchBucket \(HTTP 404\)/);
    assert.equal(existsSync(d.path), true, 'nothing stored: the download is kept');
  });

  it('bad credentials are a non-retryable S3Rejected failure; a server that is down is retryable', async () => {
    const d = await downloadedFile('gen-s3-creds', 1000);
    const wrongKey = { ...s3Settings(), credentials: { accessKeyId: 'nobody', secretAccessKey: 'not-the-secret' } };
    const denied = await failureOf(run(() => storeWith(wrongKey).storeVideo({ generationId: 'gen-s3-creds', downloaded: d })));
    assert.equal(denied.type, FailureType.s3Rejected);
    assert.equal(denied.nonRetryable, true);
    assert.match(denied.message, /InvalidAccessKeyId \(HTTP 403\)/);
    assert.doesNotMatch(denied.message, /not-the-secret/);

    // A port nobody listens on: connection refused.
    const down = { ...s3Settings(), endpoint: 'http://127.0.0.1:9' };
    const unavailable = await failureOf(run(() => storeWith(down).storeVideo({ generationId: 'gen-s3-creds', downloaded: d })));
    assert.equal(unavailable.type, FailureType.s3Unavailable);
    assert.equal(unavailable.nonRetryable, false);
    assert.equal(existsSync(d.path), true);
  });

  it('refuses a file whose bytes changed since the download, before the object is completed', async () => {
    const d = await downloadedFile('gen-s3-changed', 12 * MiB);
    const tampered = { ...d, sha256: '0'.repeat(64) }; // same size, other recorded hash
    const err = await failureOf(run(() => storeWith(s3Settings()).storeVideo({ generationId: 'gen-s3-changed', downloaded: tampered })));
    assert.equal(err.type, FailureType.storeFailed);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /changed on disk/);
    await assert.rejects(head('videos/gen-s3-changed.mp4'), { name: 'NotFound' });
    await waitNoMultipartUploads('videos/gen-s3-changed.mp4');
  });

  it('a cancellation stops the upload and aborts the multipart upload', async () => {
    const d = await downloadedFile('gen-s3-cancel', 40 * MiB);
    const { storeVideo } = storeWith(s3Settings());
    const env = new MockActivityEnvironment(undefined, { logger: silentLogger });
    // Cancel at the first heartbeat that reports progress (MinIO on loopback is fast).
    env.on('heartbeat', (b: UploadProgress) => {
      if (b.bytesUploaded > 0) env.cancel('CANCELLED');
    });
    const err = await run(() => storeVideo({ generationId: 'gen-s3-cancel', downloaded: d }), [], env).then(
      () => assert.fail('expected a cancellation'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CancelledFailure, `expected a CancelledFailure, got ${String(err)}`);
    await assert.rejects(head('videos/gen-s3-cancel.mp4'), { name: 'NotFound' });
    await waitNoMultipartUploads('videos/gen-s3-cancel.mp4');
    assert.equal(existsSync(d.path), true, 'the download stays for the retry');
  });
});

async function readObject(key: string): Promise<Buffer> {
  const res = await minio.client.send(new GetObjectCommand({ Bucket: minio.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** The aborted multipart upload disappears (the abort runs right after the failure). */
async function waitNoMultipartUploads(key: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const list = await minio.client.send(new ListMultipartUploadsCommand({ Bucket: minio.bucket, Prefix: key }));
    if ((list.Uploads ?? []).length === 0) return;
    if (Date.now() > deadline) assert.fail(`multipart uploads left behind: ${JSON.stringify(list.Uploads)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
