// WORKER_MAX_CACHED_WORKFLOWS bounds the worker's workflow cache: more generations wait than
// it holds, the worker keeps no more than that in memory, and every one still completes
// (an evicted generation replays its history when its callback comes).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

const CACHE = 2;
const GENERATIONS = 5;

let s: TestStack;
before(async () => {
  s = await startTestStack({ WORKER_MAX_CACHED_WORKFLOWS: String(CACHE) });
});
after(async () => s?.close());

test(`${GENERATIONS} generations waiting with a cache of ${CACHE}: at most ${CACHE} cached, all complete`, { timeout: 120_000 }, async () => {
  // Long enough that all are waiting at once before the first callback comes.
  await s.sim.configure({ processingMs: 4_000 });
  const ids: string[] = [];
  for (let i = 0; i < GENERATIONS; i++) {
    const res = await s.api('POST', '/generations', { prompt: `cached or not #${i}` });
    assert.equal(res.status, 202);
    ids.push(res.body.id);
  }
  let mostCached = 0;
  const sampler = setInterval(() => {
    mostCached = Math.max(mostCached, s.worker()?.getStatus().numCachedWorkflows ?? 0);
  }, 20);
  try {
    await waitFor(async () => (await Promise.all(ids.map((id) => s.generation(id)))).every((g) => g.status === 'waiting' || g.status === 'completed'), 'all generations waiting', 30_000);
    const sha = await expectedVideoSha256();
    for (const id of ids) {
      const state = await s.waitForStatus(id, ['completed', 'failed', 'timed_out'], 60_000);
      assert.equal(state.status, 'completed', id);
      assert.equal(state.video?.sha256, sha, id);
    }
  } finally {
    clearInterval(sampler);
  }
  assert.ok(mostCached >= 1, 'the sampler saw the cache in use');
  assert.ok(mostCached <= CACHE, `at most ${CACHE} generations cached, saw ${mostCached}`);
});
