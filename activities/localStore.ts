// Local storage: moves a downloaded video into STORAGE_DIR under a key derived from the
// generation id, so a retried attempt lands on the same file instead of creating a second copy.
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../src/errors.js';
import type { StoredVideo } from '../workflows/types.js';
import { fsyncDir, fsyncFile, isSafeFileStem, sha256File } from './fileHash.js';
import type { StoreVideoInput } from './store.js';
import { statOrUndefined } from './fileHash.js';

const storeFailed = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.storeFailed);

export function createLocalStore(dir: string) {
  return {
    async storeVideo({ generationId, downloaded }: StoreVideoInput): Promise<StoredVideo> {
      if (!isSafeFileStem(generationId)) throw storeFailed(`Cannot store: unusable generation id "${generationId}"`);
      await mkdir(dir, { recursive: true });
      const target = path.join(dir, `${generationId}.mp4`);
      const result: StoredVideo = {
        uri: pathToFileURL(target).href,
        bytes: downloaded.bytes,
        sha256: downloaded.sha256,
        contentType: downloaded.contentType,
      };

      const source = await statOrUndefined(downloaded.path);
      if (!source) {
        // Gone: an earlier attempt moved it and its result was lost. Only the hash proves it.
        const existing = (await statOrUndefined(target)) ? await sha256File(target) : undefined;
        if (existing?.sha256 === downloaded.sha256 && existing.bytes === downloaded.bytes) return result;
        throw storeFailed(
          existing
            ? `Cannot store ${generationId}: the downloaded file is gone and ${target} holds different content (sha256 ${existing.sha256}, ${existing.bytes} bytes; expected ${downloaded.sha256}, ${downloaded.bytes} bytes)`
            : `Cannot store ${generationId}: the downloaded file ${downloaded.path} is gone and ${target} does not exist`,
        );
      }
      if (source.size !== downloaded.bytes) {
        throw storeFailed(`Cannot store ${generationId}: ${downloaded.path} has ${source.size} bytes, the download reported ${downloaded.bytes}`);
      }
      if (path.resolve(downloaded.path) === path.resolve(target)) return result;

      try {
        await rename(downloaded.path, target);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        // Another filesystem: copy under a temporary name so the target only ever holds a
        // complete file, then drop the source.
        const temp = path.join(dir, `.${generationId}.${randomUUID()}.tmp`);
        try {
          await copyFile(downloaded.path, temp);
          await fsyncFile(temp);
          await rename(temp, target);
        } catch (copyErr) {
          await rm(temp, { force: true });
          throw copyErr;
        }
        await fsyncDir(dir);
        await rm(downloaded.path, { force: true });
        return result;
      }
      await fsyncDir(dir);
      return result;
    },
  };
}
