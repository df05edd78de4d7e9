// The happy path driven by callbacks, and everything a callback receiver must refuse.
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, describe, test } from 'node:test';
import { callbackToken } from '../../src/providers/callbackToken.js';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { DEFAULTS, parseGenerationRequest, toWorkflowInput } from '../../src/generationRequest.js';
import { startGeneration } from '../../src/temporal/generations.js';
import { DEFAULT_STEP_STATUS_DELAY_MS, GENERATION_REVISION, type GenerationState } from '../../workflows/types.js';
import { activityTypesIn, requestCount, signalsIn, statusUpsertsIn, versioningIn } from '../support/history.js';
import { startTestStack, type TestStack } from '../support/stack.js';

let s: TestStack;
before(async () => {
  s = await startTestStack();
});
after(async () => s?.close());
beforeEach(async () => {
  await s.sim.reset();
  await s.sim.configure({ processingMs: 300 });
});

async function start(body: Record<string, unknown> = {}, headers?: Record<string, string>) {
  const res = await s.api('POST', '/generations', { prompt: 'a red fox running through snow', ...body }, headers);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

describe('callback path', () => {
  test('a generation completes through callbacks: video on disk, sha256 reported, two API calls', async () => {
    const id = await start();
    const state = await s.waitForStatus(id, ['completed', 'failed', 'timed_out']);
    assert.equal(state.status, 'completed', JSON.stringify(state));
    assert.match(state.providerTaskId ?? '', /^\d{18}$/);
    assert.ok(state.video);
    const file = fileURLToPath(state.video.uri);
    const bytes = await readFile(file);
    assert.equal(state.video.bytes, bytes.length);
    assert.equal(state.video.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(state.video.sha256, await expectedVideoSha256());
    assert.equal(bytes.subarray(4, 8).toString(), 'ftyp');

    const stats = await s.sim.stats();
    assert.equal(stats.tasksCreated, 1);
    // submit + one confirmation read: the callback, not polling, drove it.
    assert.equal(requestCount(stats, /^POST \/v1\/videos/), 1);
    assert.equal(requestCount(stats, /^GET \/v1\/videos/), 1);
    const signals = await signalsIn(s.client, id);
    assert.ok(signals.some((u) => u.status === 'succeeded' && u.source === 'callback'));
    // The confirmation read runs as a local activity, inside the workflow task that needs it.
    assert.deepEqual(await activityTypesIn(s.client, id), ['submitTask', 'getTask (local)', 'downloadVideo', 'storeVideo', 'notify']);
    // Versioned by its input's revision: no patch marker, no TemporalChangeVersion upsert.
    const { patches, upserts, upsertedKeys } = await versioningIn(s.client, id);
    assert.deepEqual(patches, []);
    assert.ok(!upsertedKeys.includes('TemporalChangeVersion'), upsertedKeys.join());
    // One upsert (one visibility write) per published status; the task id goes with `waiting`.
    // Download, store and notify of a small video end within STEP_STATUS_DELAY (10 s), so
    // their statuses never reach visibility: waiting + task id, then completed.
    assert.deepEqual(upserts, [['GenerationStatus', 'KlingTaskId'], ['GenerationStatus']]);
    const { statuses, timersMs } = await statusUpsertsIn(s.client, id);
    assert.deepEqual(statuses, ['waiting', 'completed']);
    assert.ok(timersMs.includes(DEFAULT_STEP_STATUS_DELAY_MS), `timers: ${timersMs.join()}`);
  });

  test('with STEP_STATUS_DELAY 0, every step status is upserted as it starts (revision 3 did so)', async () => {
    const defaults = { ...DEFAULTS, stepStatusDelayMs: 0 };
    const { id } = await startGeneration(s.client, { prompt: 'every step shown' }, { taskQueue: s.config.temporal.taskQueue, defaults });
    assert.equal(((await s.client.workflow.getHandle(id).result()) as GenerationState).status, 'completed');
    const { statuses, timersMs } = await statusUpsertsIn(s.client, id);
    assert.deepEqual(statuses, ['waiting', 'downloading', 'storing', 'notifying', 'completed']);
    // No timer holds the steps back; the only one a generation may start is its callback timeout.
    assert.ok(timersMs.every((ms) => ms === defaults.callbackTimeoutMs), `timers: ${timersMs.join()}`);
  });

  test('a generation started without a revision, as an older server started them, reads locally behind its patch', async () => {
    const id = `gen-norev-${Date.now()}`;
    const { revision, ...input } = toWorkflowInput(id, parseGenerationRequest({ prompt: 'an old input' }));
    assert.equal(revision, GENERATION_REVISION);
    const handle = await s.client.workflow.start('videoGeneration', { workflowId: id, taskQueue: s.config.temporal.taskQueue, args: [input] });
    const result = (await handle.result()) as GenerationState;
    assert.equal(result.status, 'completed', JSON.stringify(result));
    assert.deepEqual(await activityTypesIn(s.client, id), ['submitTask', 'getTask (local)', 'downloadVideo', 'storeVideo', 'notify']);
    assert.deepEqual((await versioningIn(s.client, id)).patches, ['local-task-reads']);
  });

  for (const mode of ['duplicate', 'reorder'] as const) {
    test(`${mode}d callbacks end in exactly one download`, async () => {
      await s.sim.configure({ callback: mode, callbackAttempts: 5 });
      const id = await start();
      const state = await s.waitForStatus(id, ['completed', 'failed']);
      assert.equal(state.status, 'completed');
      const stats = await s.sim.stats();
      const task = stats.tasks[state.providerTaskId!];
      assert.ok(task.callbacksSent >= 2, `callbacks sent: ${task.callbacksSent}`);
      assert.equal(task.videoRequests, 1);
      assert.equal(state.progress, 100);
      // Every delivery reached the workflow, and the late or repeated ones were ignored.
      const signals = await signalsIn(s.client, id);
      assert.ok(signals.length >= 2, `signals: ${signals.length}`);
    });
  }

  test('Idempotency-Key: the same key is the same generation; a different body is a 409', async () => {
    const key = `key-${Date.now()}`;
    const a = await start({}, { 'idempotency-key': key });
    const b = await start({}, { 'idempotency-key': key });
    assert.equal(a, b);
    const conflict = await s.api('POST', '/generations', { prompt: 'something else' }, { 'idempotency-key': key });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.error.code, 'IDEMPOTENCY_CONFLICT');
    await s.waitForStatus(a, ['completed']);
    assert.equal((await s.sim.stats()).tasksCreated, 1);
  });
});

describe('what the receiver refuses', () => {
  test('a forged token gets 401 and leaves the workflow untouched', async () => {
    await s.sim.configure({ processingMs: 1500 });
    const id = await start();
    await s.waitForStatus(id, ['waiting']);
    const forged = {
      task_id: '999999999999999999',
      task_status: 'succeed',
      task_info: { external_task_id: id },
      task_result: { videos: [{ id: 'x', url: 'https://evil.example/video.mp4', duration: '5' }] },
    };
    const wrongToken = callbackToken(id, 'not-the-secret');
    for (const query of [`?token=${wrongToken}`, '', '?token=', `?token=${callbackToken(`${id}x`, 'test-callback-secret')}`]) {
      const res = await s.api('POST', `/webhooks/kling/${id}${query}`, forged);
      assert.equal(res.status, 401, query);
      assert.equal(res.body.error.code, 'UNAUTHORIZED');
    }
    const state = await s.waitForStatus(id, ['completed', 'failed']);
    assert.equal(state.status, 'completed');
    assert.equal(state.video?.sha256, await expectedVideoSha256());
    assert.ok(!(await signalsIn(s.client, id)).some((u) => u.taskId === forged.task_id));
  });

  test('malformed callback bodies get 400 naming the problem, with a valid token', async () => {
    await s.sim.configure({ processingMs: 1500 });
    const id = await start();
    await s.waitForStatus(id, ['waiting']);
    const url = `/webhooks/kling/${id}?token=${callbackToken(id, 'test-callback-secret')}`;
    const cases: [unknown, RegExp][] = [
      ['{"task_id": ', /JSON|body/i],
      [{ task_status: 'succeed' }, /task_id/],
      [{ task_id: '123', task_status: 'finished' }, /task_status/],
      [[1, 2, 3], /object/],
      [{ code: 0, message: 'SUCCEED', data: { task_id: '1' } }, /data\.task_status/],
      [{ task_id: '1', task_status: 'succeed', task_info: { external_task_id: 'gen-other' } }, /external_task_id/],
    ];
    for (const [body, message] of cases) {
      const res = await s.api('POST', url, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.body.error.message, message);
    }
    const wrongType = await fetch(`${s.apiUrl}${url}`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(wrongType.status, 415);
    const state = await s.waitForStatus(id, ['completed', 'failed']);
    assert.equal(state.status, 'completed');
  });

  test('bad generation requests get 400 naming the field, and start nothing', async () => {
    const cases: [unknown, string][] = [
      [{}, 'prompt'],
      [{ prompt: 'x', duration: 99 }, 'duration'],
      [{ prompt: 'x', kind: 'image2video' }, 'imageUrl'],
      [{ prompt: 'x', imageUrl: 'not a url', kind: 'image2video' }, 'imageUrl'],
      [{ prompt: 'x', mode: 'turbo' }, 'mode'],
      [{ prompt: 'x', callbackTimeout: 'soon' }, 'callbackTimeout'],
      [{ prompt: 'x', aspect_ratio: '16:9' }, 'aspect_ratio'],
      [{ prompt: 'x'.repeat(3000) }, 'prompt'],
    ];
    for (const [body, field] of cases) {
      const res = await s.api('POST', '/generations', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, 'VALIDATION_FAILED');
      assert.ok(res.body.error.message.includes(field), `${res.body.error.message} should name ${field}`);
    }
    const notJson = await s.api('POST', '/generations', '{"prompt":');
    assert.equal(notJson.status, 400);
    assert.equal((await s.sim.stats()).tasksCreated, 0);
  });

  test('unknown generations are 404; a callback for an ended one is a 200 duplicate', async () => {
    assert.equal((await s.api('GET', '/generations/gen-does-not-exist')).status, 404);
    assert.equal((await s.api('GET', '/generations/nonsense')).status, 404);
    assert.equal((await s.api('POST', '/generations/gen-does-not-exist/cancel')).status, 404);
    const id = await start();
    const state = await s.waitForStatus(id, ['completed']);
    const late = { task_id: state.providerTaskId, task_status: 'succeed', task_info: { external_task_id: id } };
    const res = await s.api('POST', `/webhooks/kling/${id}?token=${callbackToken(id, 'test-callback-secret')}`, late);
    assert.equal(res.status, 200);
    assert.equal(res.body.outcome, 'ended');
    assert.ok((await stat(fileURLToPath(state.video!.uri))).isFile());
  });
});
