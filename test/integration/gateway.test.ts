// Signed gateway events (POST /webhooks/kling): the only way results reach klingflow here,
// because Kling's own callbacks are sent to a dead address (port 9 discards).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { runCli } from '../support/cli.js';
import { requestCount, signalsIn } from '../support/history.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

const GATEWAY_SECRET = 'gw-test-secret-0123456789';
let s: TestStack;

before(async () => {
  s = await startTestStack({ KLINGAI_WEBHOOK_SECRET: GATEWAY_SECRET, PUBLIC_BASE_URL: 'http://127.0.0.1:9' });
});
after(async () => s?.close());
beforeEach(async () => {
  await s.sim.reset();
  await s.sim.configure({ processingMs: 400, gatewaySecret: GATEWAY_SECRET, callbackAttempts: 1 });
});

async function start(body: Record<string, unknown>) {
  const res = await s.api('POST', '/generations', body);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.id as string;
}

describe('signed gateway events (POST /webhooks/kling)', () => {
  async function register() {
    const { code, out } = await runCli(['webhook', 'register', '--url', `${s.apiUrl}/webhooks/kling`, '--api-base', s.simulatorUrl!, '--events', 'video.processing,video.completed,video.failed']);
    assert.equal(code, 0, out);
    assert.ok(out.includes(GATEWAY_SECRET), out);
  }

  for (const [name, knobs] of [
    ['X-Kling-Signature, routed by KlingTaskId', { gatewaySignature: 'kling', gatewayIncludeExternalId: false }],
    ['Standard Webhooks headers, routed by external_task_id', { gatewaySignature: 'standard', gatewayIncludeExternalId: true }],
  ] as const) {
    test(`${name}: completes with progress and no API confirmation`, async () => {
      await s.sim.configure({ ...knobs, processingMs: 1500 });
      await register();
      const id = await start({ prompt: 'a hot air balloon', callbackTimeout: 60 });
      await waitFor(async () => (await s.generation(id)).progress > 0 || undefined, 'progress from processing events');
      const state = await s.waitForStatus(id, ['completed', 'failed', 'timed_out']);
      assert.equal(state.status, 'completed');
      const signals = await signalsIn(s.client, id);
      assert.ok(signals.some((u) => u.signed && u.status === 'succeeded'), JSON.stringify(signals));
      assert.ok(signals.some((u) => u.signed && u.status === 'processing' && (u.progress ?? 0) > 0));
      assert.equal(requestCount(await s.sim.stats(), /^GET \/v1\/videos/), 0, 'signed: no confirmation read, no polling');
    });
  }

  test('a bad signature or a replayed delivery is a 401 and leaves the workflow untouched', async () => {
    await s.sim.configure({ processingMs: 1500 });
    const id = await start({ prompt: 'x', callbackTimeout: 60 });
    const running = await s.waitForStatus(id, ['waiting']);
    const taskId = running.providerTaskId!;
    const event = (timestamp: number) =>
      JSON.stringify({ event: 'video.completed', timestamp, data: { job_id: taskId, status: 'completed', video_url: 'https://evil.example/v.mp4', task_info: { external_task_id: id } } });
    const post = (body: string, signature: string) =>
      fetch(`${s.apiUrl}/webhooks/kling`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kling-signature': signature }, body });
    const fresh = event(Math.floor(Date.now() / 1000));
    assert.equal((await post(fresh, `sha256=${createHmac('sha256', 'wrong-secret').update(fresh).digest('hex')}`)).status, 401);
    const old = event(Math.floor(Date.now() / 1000) - 600);
    assert.equal((await post(old, `sha256=${createHmac('sha256', GATEWAY_SECRET).update(old).digest('hex')}`)).status, 401);
    const ts = String(Math.floor(Date.now() / 1000));
    const forgedStandard = await fetch(`${s.apiUrl}/webhooks/kling`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_forged',
        'webhook-timestamp': ts,
        'webhook-signature': `v1,${createHmac('sha256', 'wrong-secret').update(`msg_forged.${ts}.${fresh}`).digest('base64')}`,
      },
      body: fresh,
    });
    assert.equal(forgedStandard.status, 401);
    const unsigned = await fetch(`${s.apiUrl}/webhooks/kling`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fresh });
    assert.equal(unsigned.status, 401);
    const unknown = JSON.stringify({ event: 'video.thumbnail_ready', timestamp: Math.floor(Date.now() / 1000), data: { job_id: taskId } });
    const ignored = await post(unknown, `sha256=${createHmac('sha256', GATEWAY_SECRET).update(unknown).digest('hex')}`);
    assert.equal(ignored.status, 200);
    assert.equal((await ignored.json()).outcome, 'ignored');
    assert.ok(!(await signalsIn(s.client, id)).some((u) => u.signed));
  });
});

