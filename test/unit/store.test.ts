import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStoreActivities } from '../../activities/store.js';
import { FailureType } from '../../src/errors.js';
import type { DownloadedVideo } from '../../workflows/types.js';
import { failureOf, silentLogger } from '../support/activityTest.js';

const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment(undefined, { logger: silentLogger }).run(fn) as Promise<T>;

let root: string;
let storageDir: string;

async function downloaded(dir: string, id: string, content = randomBytes(10_000)): Promise<DownloadedVideo> {
  const file = path.join(dir, `${id}.mp4`);
  await writeFile(file, content);
  return { path: file, bytes: content.length, sha256: createHash('sha256').update(content).digest('hex'), contentType: 'video/mp4' };
}


beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'klingflow-store-'));
  storageDir = path.join(root, 'videos', 'nested'); // does not exist yet: storeVideo creates it
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('storeVideo', () => {
  const store = () => createStoreActivities({ storage: { dir: storageDir } }).storeVideo;

  it('moves the download into storage and returns a file:// uri', async () => {
    const d = await downloaded(root, 'gen-1');
    const content = await readFile(d.path);
    const stored = await run(() => store()({ generationId: 'gen-1', downloaded: d }));

    const target = path.join(storageDir, 'gen-1.mp4');
    assert.deepEqual(stored, { uri: pathToFileURL(target).href, bytes: d.bytes, sha256: d.sha256, contentType: 'video/mp4' });
    assert.ok((await readFile(target)).equals(content));
    assert.equal(existsSync(d.path), false, 'the source was moved, not copied');
  });

  it('is idempotent: a second call after the move returns the same result', async () => {
    const d = await downloaded(root, 'gen-2');
    const first = await run(() => store()({ generationId: 'gen-2', downloaded: d }));
    const second = await run(() => store()({ generationId: 'gen-2', downloaded: d }));
    assert.deepEqual(second, first);
  });

  it('fails non-retryably when the source is gone and the target holds other content', async () => {
    const d = await downloaded(root, 'gen-3');
    await run(() => store()({ generationId: 'gen-3', downloaded: d }));
    await writeFile(path.join(storageDir, 'gen-3.mp4'), randomBytes(10_000)); // same size, other bytes

    const err = await failureOf(run(() => store()({ generationId: 'gen-3', downloaded: d })));
    assert.equal(err.type, FailureType.storeFailed);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /different content/);
  });

  it('fails non-retryably when the source is gone and the target is missing', async () => {
    const d = await downloaded(root, 'gen-4');
    const gone = { ...d, path: path.join(root, 'nowhere.mp4') };
    const err = await failureOf(run(() => store()({ generationId: 'gen-4', downloaded: gone })));
    assert.equal(err.type, FailureType.storeFailed);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /does not exist/);
  });

  it('refuses a source whose size differs from what the download reported', async () => {
    const d = await downloaded(root, 'gen-5');
    const err = await failureOf(run(() => store()({ generationId: 'gen-5', downloaded: { ...d, bytes: d.bytes + 1 } })));
    assert.equal(err.type, FailureType.storeFailed);
    assert.equal(existsSync(d.path), true, 'nothing moved');
  });

  it('copies across filesystems (EXDEV) without leaving temp files', async (t) => {
    const shm = '/dev/shm';
    if (!existsSync(shm) || (await stat(shm)).dev === (await stat(os.tmpdir())).dev) {
      t.skip('no second filesystem available');
      return;
    }
    const otherFs = await mkdtemp(path.join(shm, 'klingflow-store-'));
    t.after(() => rm(otherFs, { recursive: true, force: true }));
    const d = await downloaded(otherFs, 'gen-6');
    const content = await readFile(d.path);
    const stored = await run(() => store()({ generationId: 'gen-6', downloaded: d }));

    assert.equal(stored.sha256, d.sha256);
    assert.ok((await readFile(path.join(storageDir, 'gen-6.mp4'))).equals(content));
    assert.equal(existsSync(d.path), false, 'the source was removed after the copy');
    assert.deepEqual(await readdir(storageDir), ['gen-6.mp4']);
  });
});
