// Removes what a download left in the download folder when its generation will not finish
// (cancelled, timed out). The workflow runs it in a non-cancellable scope. Idempotent: a
// retry, or a generation that never downloaded anything, finds nothing and succeeds.
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../src/config.js';
import { FailureType } from '../src/errors.js';
import { fsyncDir, isSafeFileStem } from './fileHash.js';

export interface CleanupDeps {
  download: Pick<Config['download'], 'dir'>;
}

export interface DiscardDownloadInput {
  generationId: string;
}

export function createCleanupActivities({ download: { dir } }: CleanupDeps) {
  return {
    /** Deletes `<dir>/<id>.mp4.part` and `<dir>/<id>.mp4` if present; returns the paths removed. */
    async discardDownload({ generationId }: DiscardDownloadInput): Promise<{ removed: string[] }> {
      if (!isSafeFileStem(generationId)) {
        throw ApplicationFailure.nonRetryable(`Discard refused: unusable generation id "${generationId}"`, FailureType.discardFailed);
      }
      const finalPath = path.join(dir, `${generationId}.mp4`);
      const removed: string[] = [];
      for (const file of [`${finalPath}.part`, finalPath]) {
        try {
          await unlink(file); // files only: unlink never removes a directory, nor a symlink's target
          removed.push(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw ApplicationFailure.create({
            message: `Discard of ${path.basename(file)} failed: ${(err as Error).message}`,
            type: FailureType.discardFailed,
            nonRetryable: false,
          });
        }
      }
      if (removed.length > 0) await fsyncDir(dir);
      return { removed };
    },
  };
}
