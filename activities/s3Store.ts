// S3-compatible storage: uploads the downloaded video to `<prefix><generationId>.mp4` with a
// streamed multipart upload, records its sha256 as object metadata, then removes the local
// file. Idempotent by key: a retried attempt that finds the object already stored with the
// same sha256 and size does not upload again.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { pipeline, Transform, type TransformCallback } from 'node:stream';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { S3Settings } from '../src/config.js';
import { FailureType } from '../src/errors.js';
import type { DownloadedVideo, StoredVideo } from '../workflows/types.js';
import { isSafeFileStem } from './fileHash.js';
import type { StoreVideoInput } from './store.js';
import { statOrUndefined } from './fileHash.js';

const MiB = 1024 * 1024;
/** S3 allows at most 10,000 parts: larger files get larger parts. */
const MAX_PARTS = 10_000;

export interface S3StoreTiming {
  /** Heartbeat at least this often while uploading (progress events also heartbeat). Default 5 s. */
  heartbeatEveryMs?: number;
  /** Default 8 MiB (S3's minimum is 5 MiB). */
  partSize?: number;
  /** Parts in flight at once; at most queueSize × partSize bytes are buffered. Default 4. */
  queueSize?: number;
}

export interface S3StoreDeps {
  s3: S3Settings;
  client: S3Client;
  timing?: S3StoreTiming | undefined;
}

/** Heartbeat details of storeVideo while uploading. */
export interface UploadProgress {
  bytesUploaded: number;
}

const storeFailed = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.storeFailed);

export function createS3Store({ s3, client, timing = {} }: S3StoreDeps) {
  const { bucket, prefix } = s3;
  const heartbeatEveryMs = timing.heartbeatEveryMs ?? 5_000;
  const queueSize = timing.queueSize ?? 4;

  return {
    async storeVideo({ generationId, downloaded }: StoreVideoInput): Promise<StoredVideo> {
      const ctx = Context.current();
      const cancelled = ctx.cancellationSignal;
      if (!isSafeFileStem(generationId)) throw storeFailed(`Cannot store: unusable generation id "${generationId}"`);
      const key = `${prefix}${generationId}.mp4`;
      const uri = `s3://${bucket}/${key}`;
      const result: StoredVideo = { uri, bytes: downloaded.bytes, sha256: downloaded.sha256, contentType: downloaded.contentType };

      try {
        const source = await statOrUndefined(downloaded.path);
        const existing = await headObject(client, bucket, key, cancelled);
        const alreadyStored = existing.found && existing.sha256 === downloaded.sha256 && existing.bytes === downloaded.bytes;

        if (!source) {
          // Gone: an earlier attempt uploaded and deleted it, and its result was lost. Only the
          // object's recorded sha256 and size prove that.
          if (alreadyStored) return result;
          throw storeFailed(
            `Cannot store ${generationId}: the downloaded file ${downloaded.path} is gone and ${uri} ` +
              (existing.found
                ? `holds different content (sha256 ${existing.sha256 ?? 'not recorded'}, ${existing.bytes ?? '?'} bytes; expected ${downloaded.sha256}, ${downloaded.bytes} bytes)`
                : existing.forbidden
                  ? 'cannot be checked (HeadObject: access denied)'
                  : 'does not exist'),
          );
        }
        if (source.size !== downloaded.bytes) {
          throw storeFailed(`Cannot store ${generationId}: ${downloaded.path} has ${source.size} bytes, the download reported ${downloaded.bytes}`);
        }

        // An object under our key with another sha256 (or none) is overwritten. S3 writes are
        // atomic, so it is never half an upload: it is what an earlier attempt of this same
        // generation stored before its result was lost (the key belongs to the generation), or
        // an object written without our metadata. The file in hand is the download the
        // workflow accepted, and its hash is checked again below while it streams: it wins.
        if (!alreadyStored) await upload(downloaded, key, ctx, cancelled);

        // Stored: the local copy has served its purpose. A retry after this point finds the
        // object by its metadata (the branch above).
        await rm(downloaded.path, { force: true });
        return result;
      } catch (err) {
        // Cancellation (which may be a worker shutdown): report it as such.
        if (cancelled.aborted) throw cancelled.reason ?? err;
        if (err instanceof ApplicationFailure) throw err;
        if (err instanceof ContentMismatch) throw storeFailed(`Cannot store ${generationId}: ${err.message}`);
        throw s3Failure(err, uri);
      }
    },
  };

  async function upload(downloaded: DownloadedVideo, key: string, ctx: Context, cancelled: AbortSignal): Promise<void> {
    const partSize = Math.max(timing.partSize ?? 8 * MiB, Math.ceil(downloaded.bytes / MAX_PARTS));
    // Streamed from the file, never read whole: Upload buffers at most queueSize parts. The
    // hash check sits in the stream, so a file that changed since the download fails the
    // upload before its last part is sent and the object is never completed.
    const check = new ContentCheck(downloaded.sha256, downloaded.bytes);
    const body = pipeline(createReadStream(downloaded.path), check, () => {
      /* errors reach Upload through the body it reads */
    });
    const abort = new AbortController();
    const onCancel = () => abort.abort();
    cancelled.addEventListener('abort', onCancel, { once: true });
    if (cancelled.aborted) onCancel();

    let bytesUploaded = 0;
    const heartbeat = () => ctx.heartbeat({ bytesUploaded } satisfies UploadProgress);
    // On a timer as well as on progress: Temporal delivers a cancellation only in answer to
    // a heartbeat, and a part of a slow upload can take longer than the heartbeat timeout.
    // None at the start: it would say nothing and still cost the Temporal server a write.
    const timer = setInterval(heartbeat, heartbeatEveryMs);
    try {
      const transfer = new Upload({
        client,
        params: {
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentLength: downloaded.bytes,
          ContentType: downloaded.contentType,
          Metadata: { sha256: downloaded.sha256 },
        },
        partSize,
        queueSize,
        // An upload that fails is aborted (AbortMultipartUpload), so its parts are not billed
        // forever. A crashed worker cannot do that: see the README's lifecycle rule.
        leavePartsOnError: false,
        abortController: abort,
      });
      transfer.on('httpUploadProgress', (p) => {
        bytesUploaded = p.loaded ?? bytesUploaded;
        heartbeat();
      });
      await transfer.done();
    } finally {
      clearInterval(timer);
      cancelled.removeEventListener('abort', onCancel);
      body.destroy(); // a failed or cancelled upload stops reading the file
    }
  }
}

type HeadResult = { found: true; sha256: string | undefined; bytes: number | undefined } | { found: false; forbidden: boolean };

async function headObject(client: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<HeadResult> {
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return { found: true, sha256: head.Metadata?.sha256, bytes: head.ContentLength };
  } catch (err) {
    const status = httpStatusOf(err);
    // HEAD answers carry no body, so a missing bucket is also a bare 404: the upload that
    // follows then fails with NoSuchBucket, which names the problem.
    if (status === 404) return { found: false, forbidden: false };
    // Without s3:ListBucket, S3 answers 403 for a missing key. Uploading needs only
    // s3:PutObject, so go on: real access problems surface as the upload's AccessDenied.
    if (status === 403) return { found: false, forbidden: true };
    throw err;
  }
}

/** Passes the bytes through and fails at the end unless they have the expected sha256 and length. */
class ContentCheck extends Transform {
  private readonly hash = createHash('sha256');
  private bytes = 0;

  constructor(
    private readonly sha256: string,
    private readonly length: number,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    const sha256 = this.hash.digest('hex');
    if (this.bytes !== this.length || sha256 !== this.sha256) {
      callback(new ContentMismatch(`the downloaded file changed on disk: it now has sha256 ${sha256}, ${this.bytes} bytes; the download recorded ${this.sha256}, ${this.length} bytes`));
      return;
    }
    callback();
  }
}

class ContentMismatch extends Error {
  override name = 'ContentMismatch';
}

interface AwsErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
}

function httpStatusOf(err: unknown): number | undefined {
  return (err as AwsErrorShape | undefined)?.$metadata?.httpStatusCode;
}

/** 4xx answers that a later attempt can get past; every other 4xx is final. */
const RETRYABLE_CODES = new Set([
  'RequestTimeout', // 400: the upload was too slow for the server
  'IncompleteBody',
  'BadDigest', // bytes corrupted on the way
  'XAmzContentSHA256Mismatch',
  'ExpiredToken', // temporary credentials: the chain fetches fresh ones
  'TokenRefreshRequired',
  'RequestTimeTooSkewed',
  'OperationAborted', // 409: a conflicting operation on the bucket is in progress
  'NoSuchUpload', // the multipart upload was aborted under us: start again
  'SlowDown',
]);

/**
 * S3's answer → the failure the activity throws. Refusals (3xx/4xx: AccessDenied,
 * NoSuchBucket, InvalidAccessKeyId, SignatureDoesNotMatch, …) are non-retryable: retrying
 * changes nothing until an operator does. Server errors, throttling, the transient codes
 * above and network failures are retried.
 */
export function s3Failure(err: unknown, uri: string): ApplicationFailure {
  const e = (err ?? {}) as AwsErrorShape;
  const status = e.$metadata?.httpStatusCode;
  const code = e.name ?? 'Error';
  const requestId = e.$metadata?.requestId;
  const reason = e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  const details = [{ storage: 's3', uri, httpStatus: status ?? null, code, requestId: requestId ?? null }];
  const retryable = status === undefined || status >= 500 || status === 408 || status === 429 || RETRYABLE_CODES.has(code);
  if (!retryable) {
    return ApplicationFailure.create({
      message: `S3 refused to store ${uri}: ${code} (HTTP ${status})${reason}`,
      type: FailureType.s3Rejected,
      nonRetryable: true,
      details,
    });
  }
  // 5xx, 408, 429, the codes above, and no answer at all (connection refused or reset,
  // timeouts, DNS, credentials that could not be fetched yet).
  const what = status === undefined ? `${code}${reason}` : `${code} (HTTP ${status})${reason}`;
  return ApplicationFailure.create({ message: `S3 could not store ${uri}: ${what}`, type: FailureType.s3Unavailable, nonRetryable: false, details });
}
