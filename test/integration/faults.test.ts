// Generations that meet faults: lost callbacks, provider failures, a submit whose answer
// never arrives, deadlines, cancellation.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, beforeEach, test } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { GenerationStatusKey } from '../../workflows/searchAttributes.js';
import { activityTypesIn, requestCount, signalsIn } from '../support/history.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

let s: TestStack;
before(async () => {
  // A short client timeout so "the provider accepted but the answer never came" is quick.
  s = await startTestStack({ KLING_REQUEST_TIMEOUT: '1s' });
});
after(async () => s?.close());
beforeEach(async () => {
  await s.sim.reset();
  await s.sim.configure({ processingMs: 300 });
});

async function start(body: Record<string, unknown> = {}) {
  const res = await s.api('POST', '/generations', { prompt: 'a lighthouse in a storm', ...body });
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

test('callbacks dropped: the workflow falls back to polling and completes', async () => {
  await s.sim.configure({ callback: 'drop', processingMs: 1200 });
  const id = await start({ callbackTimeout: '1s' });
  await s.waitForStatus(id, ['polling']);
  const state = await s.waitForStatus(id, ['completed', 'failed', 'timed_out']);
  assert.equal(state.status, 'completed');
  assert.equal(state.video?.sha256, await expectedVideoSha256());
  const stats = await s.sim.stats();
  assert.equal(stats.callbacksSent, 0);
  assert.ok(requestCount(stats, /^GET \/v1\/videos/) >= 1);
  assert.deepEqual(await signalsIn(s.client, id), []);
});

test('a callback arriving while polling still wins', async () => {
  await s.sim.configure({ callback: 'delay', callbackDelayMs: 1500, processingMs: 100 });
  // Polls start at 1 s and find the task done too; whichever comes first, one download.
  const id = await start({ callbackTimeout: '1s' });
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'completed');
  assert.equal((await s.sim.stats()).tasks[state.providerTaskId!].videoRequests, 1);
});

test('provider failure: the generation fails with the provider reason and no video', async () => {
  await s.sim.configure({ outcome: 'failed', failureMessage: 'Prompt rejected by the safety filter' });
  const id = await start();
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'failed');
  assert.equal(state.error?.message, 'Prompt rejected by the safety filter');
  assert.equal(state.video, undefined);
  await assert.rejects(s.client.workflow.getHandle(id).result(), (err: unknown) => {
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String(err.cause?.message), /safety filter/);
    return true;
  });
  assert.ok(!(await activityTypesIn(s.client, id)).includes('downloadVideo'));
  const stored = await readdir(s.config.storage.dir).catch(() => []);
  assert.ok(!stored.some((f) => f.startsWith(id)));
});

test('a non-retryable submit error (content policy) fails the generation without retries', async () => {
  await s.sim.configure({ submitErrors: [{ status: 400, code: 1301, message: 'content safety' }] });
  const id = await start();
  const state = await s.waitForStatus(id, ['failed', 'completed']);
  assert.equal(state.status, 'failed');
  assert.equal(state.error?.code, 'KlingContentPolicy');
  assert.equal(requestCount(await s.sim.stats(), /^POST \/v1\/videos/), 1);
});

test('rate limited (1303 with HTTP 200) then 5xx: submit retries and completes with one task', async () => {
  await s.sim.configure({ submitErrors: [{ status: 200, code: 1303 }, { status: 500, code: 5000 }] });
  const id = await start();
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'completed');
  const stats = await s.sim.stats();
  assert.equal(stats.tasksCreated, 1);
  assert.equal(requestCount(stats, /^POST \/v1\/videos/), 3);
});

for (const [name, entry] of [
  ['the answer never arrives (client timeout)', { afterCreate: true, delayMs: 3000 }],
  ['the provider answers 504 after creating it', { afterCreate: true, status: 504, code: 5002 }],
] as const) {
  test(`a submit accepted by the provider but ${name} → still exactly one provider task`, async () => {
    await s.sim.configure({ submitErrors: [entry] });
    const id = await start();
    const state = await s.waitForStatus(id, ['completed', 'failed']);
    assert.equal(state.status, 'completed');
    const stats = await s.sim.stats();
    assert.equal(stats.tasksCreated, 1);
    assert.equal(requestCount(stats, /^POST \/v1\/videos/), 1, 'the retry looked the task up instead of creating one');
    assert.equal(Object.values(stats.tasks as Record<string, { externalTaskId: string }>).filter((t) => t.externalTaskId === id).length, 1);
  });
}

test('deadline: no result in time ends as timed_out, with no video', async () => {
  await s.sim.configure({ callback: 'drop', processingMs: 120_000 });
  const id = await start({ callbackTimeout: '1s', deadline: '5s' });
  const state = await s.waitForStatus(id, ['timed_out', 'failed', 'completed'], 20_000);
  assert.equal(state.status, 'timed_out');
  assert.equal(state.error?.code, 'TIMED_OUT');
  assert.equal(state.video, undefined);
});

test('cancel: POST /generations/:id/cancel ends the workflow as cancelled', async () => {
  await s.sim.configure({ processingMs: 60_000 });
  const id = await start();
  await s.waitForStatus(id, ['waiting']);
  const res = await s.api('POST', `/generations/${id}/cancel`);
  assert.equal(res.status, 202);
  const state = await s.waitForStatus(id, ['cancelled']);
  assert.equal(state.error?.code, 'CANCELLED');
  const description = await s.client.workflow.getHandle(id).describe();
  assert.equal(description.status.name, 'CANCELLED');
});

test('a download cut mid-stream resumes with Range: the right sha256, the bytes fetched about once', async () => {
  const size = 3 * 1024 * 1024;
  await s.sim.configure({ videoBytes: size, downloadFailAfterBytes: 2 * 1024 * 1024 });
  const id = await start();
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'completed');
  assert.equal(state.video?.bytes, size);
  assert.equal(state.video?.sha256, await expectedVideoSha256(size));
  const task = (await s.sim.stats()).tasks[state.providerTaskId!];
  assert.equal(task.videoRequests, 2, 'one cut response, one resumed');
  assert.ok(task.videoBytesServed < size * 1.05, `served ${task.videoBytesServed} bytes for a ${size}-byte video`);
});

test('cancel mid-download: cancelled, notified, and no partial file left in downloads or storage', async () => {
  await s.sim.configure({ processingMs: 100, videoBytes: 8 * 1024 * 1024, videoBytesPerSecond: 1024 * 1024 });
  const id = await start();
  await s.waitForStatus(id, ['downloading']);
  await waitFor(async () => (await readdir(s.config.download.dir).catch(() => [] as string[])).some((f) => f.startsWith(id)), 'a partial download on disk');
  assert.equal((await s.api('POST', `/generations/${id}/cancel`)).status, 202);
  const state = await s.waitForStatus(id, ['cancelled', 'completed']);
  assert.equal(state.status, 'cancelled');
  // The status says cancelled as soon as that is decided; the clean-up and the notification
  // follow, and the workflow closes once they are done. Look at the disk after that.
  const closed = await waitFor(async () => {
    const d = await s.client.workflow.getHandle(id).describe();
    return d.status.name === 'CANCELLED' && d;
  }, 'the workflow closed as cancelled');
  // Cancelled while its downloading status was still held back: visibility has the outcome.
  assert.equal(closed.typedSearchAttributes.get(GenerationStatusKey), 'cancelled');
  assert.deepEqual((await readdir(s.config.download.dir)).filter((f) => f.startsWith(id)), []);
  // The cancel stopped the transfer: the simulator served well under the 8 MiB (8 s at 1 MiB/s).
  const served: number = (await s.sim.stats()).tasks[state.providerTaskId!]?.videoBytesServed ?? NaN;
  assert.ok(served < 6 * 1024 * 1024, `the download ran on after the cancel: ${served} bytes served`);
  assert.deepEqual((await readdir(s.config.storage.dir).catch(() => [] as string[])).filter((f) => f.startsWith(id)), []);
  assert.ok((await activityTypesIn(s.client, id)).includes('discardDownload'));
});
