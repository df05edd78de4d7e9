// Builds the S3 client storeVideo uploads with, from the S3 section of the config.
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../config.js';

export function createS3Client(s3: S3Settings): S3Client {
  return new S3Client({
    region: s3.region,
    ...(s3.endpoint ? { endpoint: s3.endpoint } : {}),
    // undefined → the SDK's default chain: AWS_* env, shared profile, SSO, web identity, IMDS.
    ...(s3.credentials ? { credentials: s3.credentials } : {}),
    forcePathStyle: s3.forcePathStyle,
    // A bucket in another region than S3_REGION still works (the SDK follows S3's redirect).
    followRegionRedirects: true,
    // Since 2025 the SDK adds CRC32 checksums to every upload by default, which some
    // S3-compatible servers reject. Off AWS, send checksums only where S3 requires them:
    // each part's payload is still covered by its SigV4 signature, and the whole object's
    // sha256 is checked by storeVideo while streaming.
    ...(s3.endpoint ? { requestChecksumCalculation: 'WHEN_REQUIRED' as const, responseChecksumValidation: 'WHEN_REQUIRED' as const } : {}),
    // A silent connection fails the request (and the SDK retries it) instead of hanging the
    // activity until its heartbeat times out.
    requestHandler: { connectionTimeout: 10_000, socketTimeout: 120_000 },
  });
}
