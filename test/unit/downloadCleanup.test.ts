import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCleanupActivities } from '../../activities/cleanup.js';
import { createActivities } from '../../activities/index.js';
import { loadConfig } from '../../src/config.js';
import { FailureType } from '../../src/errors.js';
import { failureOf, silentLogger } from '../support/activityTest.js';

let root: string;
let dir: string;

type Discarded = { removed: string[] };
const discard = (generationId: string) =>
  new MockActivityEnvironment(undefined, { logger: silentLogger }).run(createCleanupActivities({ download: { dir } }).discardDownload, {
    generationId,
  }) as Promise<Discarded>;
const files = async (d = dir) => (await readdir(d)).sort();

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'klingflow-discard-'));
  dir = path.join(root, 'downloads');
  await mkdir(dir);
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('discardDownload', () => {
  it('removes the .part and the finished file of that generation, and nothing else', async () => {
    const others = ['gen-a2.mp4', 'gen-a2.mp4.part', 'gen-a.mp4.part.bak', 'gen-a.mp4x', 'xgen-a.mp4', 'gen-a.json'];
    for (const f of ['gen-a.mp4', 'gen-a.mp4.part', ...others]) await writeFile(path.join(dir, f), f);

    const { removed } = await discard('gen-a');

    assert.deepEqual(removed, [path.join(dir, 'gen-a.mp4.part'), path.join(dir, 'gen-a.mp4')]);
    assert.deepEqual(await files(), [...others].sort());
  });

  it('is idempotent: a second call, or a generation that never downloaded, removes nothing and succeeds', async () => {
    await writeFile(path.join(dir, 'gen-b.mp4.part'), 'x');
    assert.deepEqual((await discard('gen-b')).removed, [path.join(dir, 'gen-b.mp4.part')]);
    assert.deepEqual((await discard('gen-b')).removed, []);
    assert.deepEqual((await discard('gen-never')).removed, []);
    await rm(dir, { recursive: true });
    assert.deepEqual((await discard('gen-b')).removed, [], 'a missing download folder is nothing to discard');
  });

  it('removes a symlink named like the download, never its target', async () => {
    const outside = path.join(root, 'precious.mp4');
    await writeFile(outside, 'keep me');
    await symlink(outside, path.join(dir, 'gen-link.mp4'));
    assert.deepEqual((await discard('gen-link')).removed, [path.join(dir, 'gen-link.mp4')]);
    assert.equal(await readFile(outside, 'utf8'), 'keep me');
  });

  it('refuses an id that could leave the folder, touching nothing', async () => {
    await writeFile(path.join(root, 'x.mp4'), 'outside');
    for (const id of ['../x', '..', '', 'a/b', '.hidden', 'gen a']) {
      const err = await failureOf(discard(id));
      assert.equal(err.type, FailureType.discardFailed, id);
      assert.equal(err.nonRetryable, true, id);
    }
    assert.deepEqual(await files(root), ['downloads', 'x.mp4']);
  });

  it('is exported by createActivities, working in the configured download folder', async () => {
    const config = loadConfig({ DOWNLOAD_DIR: dir, DATA_DIR: root });
    const activities = createActivities({ config, callbackSecret: 's' });
    await writeFile(path.join(dir, 'gen-c.mp4.part'), 'x');
    const out = (await new MockActivityEnvironment(undefined, { logger: silentLogger }).run(activities.discardDownload, {
      generationId: 'gen-c',
    })) as Discarded;
    assert.deepEqual(out.removed, [path.join(dir, 'gen-c.mp4.part')]);
  });
});
