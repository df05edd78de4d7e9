// Durability: the worker goes away while a generation waits; Temporal keeps the callbacks
// that arrive meanwhile, and a new worker finishes the job.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { signalsIn } from '../support/history.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

let s: TestStack;
before(async () => {
  s = await startTestStack();
});
after(async () => s?.close());

test('the worker stopped while a generation waits, restarted later: it completes', async () => {
  await s.sim.configure({ processingMs: 1500 });
  const res = await s.api('POST', '/generations', { prompt: 'a paper boat on a river' });
  assert.equal(res.status, 202);
  const id: string = res.body.id;
  await s.waitForStatus(id, ['waiting']);

  await s.stopWorker();
  assert.equal(s.worker(), undefined);
  // With no worker, the terminal callback is still acknowledged: it is durable in Temporal.
  await waitFor(async () => (await signalsIn(s.client, id)).some((u) => u.status === 'succeeded'), 'the terminal callback signal', 15_000);
  const described = await s.client.workflow.getHandle(id).describe();
  assert.equal(described.status.name, 'RUNNING');

  await s.startWorker();
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'completed');
  assert.equal(state.video?.sha256, await expectedVideoSha256());
});
