// RunBlob end to end, Kling task families, and the `klingflow webhook test` tool.
// (Kling's own callback: callbackPath.test.ts; signed gateway events: gateway.test.ts.)
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { callbackToken } from '../../src/providers/callbackToken.js';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { runCli } from '../support/cli.js';
import { requestCount, signalsIn } from '../support/history.js';
import { startTestStack, type TestStack } from '../support/stack.js';

const GATEWAY_SECRET = 'gw-test-secret-0123456789';
let s: TestStack;

before(async () => {
  s = await startTestStack({ KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET, KLING_REQUEST_TIMEOUT: '1s' });
});
after(async () => s?.close());
beforeEach(async () => {
  await s.sim.reset();
  await s.sim.configure({ processingMs: 400, gatewaySecret: GATEWAY_SECRET });
});

async function start(body: Record<string, unknown>) {
  const res = await s.api('POST', '/generations', body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

describe('RunBlob', () => {
  test('completes through its callback, confirmed once through its API; VideoProvider = runblob', async () => {
    const id = await start({ provider: 'runblob', prompt: 'a neon city at night', duration: 10 });
    const state = await s.waitForStatus(id, ['completed', 'failed', 'timed_out']);
    assert.equal(state.status, 'completed', JSON.stringify(state));
    assert.equal(state.provider, 'runblob');
    assert.equal(state.video?.sha256, await expectedVideoSha256());
    const stats = await s.sim.stats();
    assert.equal(stats.runblobGenerationsCreated, 1);
    assert.equal(requestCount(stats, /^POST \/v1\/kling\/o3-video\/generate/), 1);
    assert.equal(requestCount(stats, /^GET \/v1\/kling\/o3-video\/generations/), 1, 'one confirmation read');
    const description = await s.client.workflow.getHandle(id).describe();
    assert.deepEqual(description.searchAttributes.VideoProvider, ['runblob']);
    assert.ok((await signalsIn(s.client, id)).some((u) => u.provider === 'runblob' && u.source === 'callback'));
  });

  test('a bad token is a 401 and leaves the workflow untouched', async () => {
    await s.sim.configure({ processingMs: 1500 });
    const id = await start({ provider: 'runblob', prompt: 'x' });
    await s.waitForStatus(id, ['waiting']);
    const forged = { generation_id: 'forged', status: 'completed', video_url: 'https://evil.example/v.mp4', model: 'kling_o3', message: null };
    const res = await s.api('POST', `/webhooks/runblob/${id}?token=${callbackToken(id, 'wrong')}`, forged);
    assert.equal(res.status, 401);
    const state = await s.waitForStatus(id, ['completed', 'failed']);
    assert.equal(state.status, 'completed');
    assert.ok(!(await signalsIn(s.client, id)).some((u) => u.taskId === 'forged'));
  });

  test('final error codes fail the generation; TIMEOUT ends it as timed_out', async () => {
    await s.sim.configure({ outcome: 'failed', runblobFailure: 'INVALID_IMAGE' });
    const bad = await s.waitForStatus(await start({ provider: 'runblob', prompt: 'x', imageUrl: 'https://example.com/a.png', kind: 'image2video' }), ['failed', 'completed', 'timed_out']);
    assert.deepEqual([bad.status, bad.error?.code], ['failed', 'INVALID_IMAGE']);
    await s.sim.configure({ runblobFailure: 'TIMEOUT' });
    const slow = await s.waitForStatus(await start({ provider: 'runblob', prompt: 'x' }), ['failed', 'completed', 'timed_out']);
    assert.deepEqual([slow.status, slow.error?.code], ['timed_out', 'TIMEOUT']);
    assert.equal((await s.sim.stats()).runblobGenerationsCreated, 2, 'no resubmission for final codes');
  });

  test('TASK_FAILED is retryable: a new submission completes the generation', async () => {
    await s.sim.configure({ outcome: 'failed', runblobFailure: 'TASK_FAILED', runblobFailTimes: 1 });
    const state = await s.waitForStatus(await start({ provider: 'runblob', prompt: 'x' }), ['failed', 'completed', 'timed_out']);
    assert.equal(state.status, 'completed');
    assert.equal((await s.sim.stats()).runblobGenerationsCreated, 2);
  });

  test('a submit whose answer never arrives: the callback names the task, no second purchase', async () => {
    await s.sim.configure({ submitErrors: [{ afterCreate: true, delayMs: 3000 }] });
    const state = await s.waitForStatus(await start({ provider: 'runblob', prompt: 'x', callbackTimeout: 20 }), ['failed', 'completed', 'timed_out']);
    assert.equal(state.status, 'completed');
    assert.equal((await s.sim.stats()).runblobGenerationsCreated, 1);
  });
});

describe('Kling task families', () => {
  test('every family completes through its own path; video-extend and lip-sync reuse a video id', async () => {
    const first = await s.waitForStatus(await start({ prompt: 'a sailing ship' }), ['completed', 'failed']);
    assert.ok(first.providerVideoId, 'the Kling video id is reported for later families');
    const img = 'https://example.com/a.png';
    const bodies: Record<string, Record<string, unknown>> = {
      'multi-image2video': { kind: 'multi-image2video', prompt: 'two friends', imageUrls: [img, 'https://example.com/b.png'] },
      'video-extend': { kind: 'video-extend', videoId: first.providerVideoId, prompt: 'keep sailing' },
      'lip-sync': { kind: 'lip-sync', videoId: first.providerVideoId, text: 'Ahoy there', voiceId: 'genshin_vindi2' },
      effects: { kind: 'effects', effectScene: 'squish', imageUrl: img },
    };
    for (const [kind, body] of Object.entries(bodies)) {
      const state = await s.waitForStatus(await start(body), ['completed', 'failed', 'timed_out']);
      assert.equal(state.status, 'completed', `${kind}: ${JSON.stringify(state.error)}`);
      assert.equal(requestCount(await s.sim.stats(), new RegExp(`^POST /v1/videos/${kind}$`)), 1, kind);
    }
  });

  test('a family-specific mistake is a 400 naming the field, before anything is submitted', async () => {
    const res = await s.api('POST', '/generations', { kind: 'lip-sync', videoId: '123', text: 'hi' });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /voiceId/);
    assert.equal((await s.sim.stats()).tasksCreated, 0);
  });
});

describe('klingflow webhook test', () => {
  for (const provider of ['kling', 'runblob', 'gateway'] as const) {
    test(`sends a correctly signed ${provider} sample that the receiver accepts`, async () => {
      const { code, out } = await runCli(['webhook', 'test', '--provider', provider, '--url', s.apiUrl], {
        CALLBACK_SECRET: 'test-callback-secret',
        KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET,
      });
      assert.equal(code, 0, out);
      assert.match(out, /← 200/);
      assert.ok(!out.includes('test-callback-secret'));
    });
  }

  test('a receiver with another secret answers 401, and the command says so', async () => {
    const { code, out } = await runCli(['webhook', 'test', '--provider', 'kling', '--url', s.apiUrl], { CALLBACK_SECRET: 'not-the-server-secret' });
    assert.equal(code, 1);
    assert.match(out, /← 401/);
  });
});
