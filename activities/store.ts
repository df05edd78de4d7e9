// storeVideo: puts a downloaded video where it is kept, under a key derived from the
// generation id, so a retried attempt lands on the same file or object instead of a second
// copy. Local folder by default (localStore.ts), S3-compatible when S3_BUCKET is set (s3Store.ts).
import type { S3Client } from '@aws-sdk/client-s3';
import type { S3Settings } from '../src/config.js';
import { createS3Client } from '../src/storage/s3Client.js';
import type { DownloadedVideo } from '../workflows/types.js';
import { createLocalStore } from './localStore.js';
import { createS3Store, type S3StoreTiming } from './s3Store.js';

export interface StoreDeps {
  storage: { dir: string; s3?: S3Settings | undefined };
  /** Tests pass their own (e.g. to count requests); otherwise built from `storage.s3`. */
  s3Client?: S3Client;
  s3Timing?: S3StoreTiming;
}

export interface StoreVideoInput {
  generationId: string;
  downloaded: DownloadedVideo;
}

export function createStoreActivities({ storage, s3Client, s3Timing }: StoreDeps) {
  const { storeVideo } = storage.s3
    ? createS3Store({ s3: storage.s3, client: s3Client ?? createS3Client(storage.s3), timing: s3Timing })
    : createLocalStore(storage.dir);
  return { storeVideo };
}
