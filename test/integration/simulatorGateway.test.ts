// The simulator's Kling-style event gateway over real loopback HTTP: /v1/webhooks registration,
// signed event deliveries (X-Kling-Signature and Standard Webhooks), progress, retries, modes.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { simulatorHarness, type Received } from '../support/simulatorHarness.js';

// Gateway deliveries, kept with their exact raw bytes and headers (failed attempts included).
type Delivery = Received<{ event: string; timestamp: number; data: Record<string, any> }>;
const sim = simulatorHarness<Delivery['body']>({ accessKey: 'gw-ak', secretKey: 'gw-sk' });
const { kling, control, configure, waitFor, waitForTask } = sim;
const at = sim.receivedAt;
const eventsAt = (path: string) => at(path).map((d) => d.body.event);

before(() => sim.start());
after(() => sim.close());
beforeEach(() => sim.reset());

async function createTask(extra: Record<string, unknown> = {}) {
  const res = await kling('POST', '/v1/videos/text2video', { prompt: 'a fox in snow', ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
}

interface Registered {
  id: string;
  secret: string;
  url: string;
  events: string[];
  active: boolean;
}
async function register(path: string, events: string[] = ['*'], active = true): Promise<Registered> {
  const res = await kling<Registered>('POST', '/v1/webhooks', { url: `${sim.receiverUrl}${path}`, events, active });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.code, 0);
  return res.body.data;
}

function klingSignatureValid(d: Delivery, secret: string): boolean {
  const header = d.headers['x-kling-signature'];
  if (typeof header !== 'string' || !header.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(d.raw).digest();
  const given = Buffer.from(header.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('registration', () => {
  test('POST returns id and a random secret; GET lists without secrets; DELETE removes', async () => {
    const a = await register('/gw/a', ['video.completed', 'video.failed']);
    const b = await register('/gw/b');
    assert.match(a.id, /^wh_[0-9a-f]+$/);
    assert.match(a.secret, /^[0-9a-f]{64}$/);
    assert.notEqual(a.secret, b.secret);
    assert.deepEqual([a.url, a.events, a.active], [`${sim.receiverUrl}/gw/a`, ['video.completed', 'video.failed'], true]);
    const list = await kling<Registered[]>('GET', '/v1/webhooks');
    assert.deepEqual(list.body.data.map((h) => h.id).sort(), [a.id, b.id].sort());
    assert.ok(list.body.data.every((h) => !('secret' in h)));
    assert.equal((await kling('DELETE', `/v1/webhooks/${a.id}`)).status, 200);
    const gone = await kling('DELETE', `/v1/webhooks/${a.id}`);
    assert.deepEqual([gone.status, gone.body.code], [404, 1203]);
    assert.deepEqual((await kling<Registered[]>('GET', '/v1/webhooks')).body.data.map((h) => h.id), [b.id]);
  });

  test('bad registrations → 400/1201 naming the field; no token → 401', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ url: `${sim.receiverUrl}/x`, events: ['video.finished'] }, /events\.0: unknown event "video.finished"/],
      [{ url: `${sim.receiverUrl}/x`, events: ['video.completed', 'job.done'] }, /events\.1/],
      [{ url: `${sim.receiverUrl}/x`, events: [] }, /events/],
      [{ url: `${sim.receiverUrl}/x` }, /events/],
      [{ url: 'ftp://example.com/x', events: ['*'] }, /url/],
      [{ url: `${sim.receiverUrl}/x`, events: ['*'], active: 'yes' }, /active/],
    ];
    for (const [body, field] of cases) {
      const res = await kling('POST', '/v1/webhooks', body);
      assert.deepEqual([res.status, res.body.code], [400, 1201], JSON.stringify(body));
      assert.match(res.body.message, field);
    }
    const anon = await kling('POST', '/v1/webhooks', { url: `${sim.receiverUrl}/x`, events: ['*'] }, { auth: false });
    assert.deepEqual([anon.status, anon.body.code], [401, 1001]);
    assert.deepEqual((await kling('GET', '/v1/webhooks')).body.data, []);
  });

  test('the gatewaySecret knob gives every new registration that secret; reset clears registrations', async () => {
    await configure({ gatewaySecret: 'known-to-the-test' });
    assert.equal((await register('/gw/k')).secret, 'known-to-the-test');
    assert.equal((await sim.config()).gatewaySecret, 'known-to-the-test');
    await sim.reset();
    assert.deepEqual((await kling('GET', '/v1/webhooks')).body.data, []);
    assert.equal((await sim.config()).gatewaySecret, undefined);
    const bad = await control('PUT', 'config', { gatewaySignature: 'svix' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error, /gatewaySignature/);
  });
});

describe('deliveries', () => {
  test('a task without callback_url still reaches the gateway: every change, signed over the raw bytes', async () => {
    await configure({ processingMs: 600 });
    const hook = await register('/gw/all');
    const { task_id, created_at } = await createTask({ model_name: 'kling-v2-master', duration: '10' });
    await waitFor(() => eventsAt('/gw/all').includes('video.completed'), 'completed event');
    const deliveries = at('/gw/all');
    assert.deepEqual(
      deliveries.map((d) => d.body.event),
      ['video.created', 'video.processing', 'video.processing', 'video.processing', 'video.completed'],
    );
    for (const d of deliveries) {
      assert.ok(klingSignatureValid(d, hook.secret), `signature of ${d.body.event}`);
      assert.equal(d.headers['content-type'], 'application/json');
      assert.equal(d.body.data.job_id, task_id);
      assert.equal(d.body.data.model, 'kling-v2-master');
      assert.equal(d.body.data.prompt, 'a fox in snow');
      assert.equal(d.body.data.duration, 10);
      assert.equal(d.body.data.created_at, new Date(created_at).toISOString());
      assert.equal(d.body.data.task_info, undefined); // off by default
      assert.ok(Math.abs(d.body.timestamp - Date.now() / 1000) < 5);
      assert.ok(Number.isInteger(d.body.timestamp));
    }
    const progress = deliveries.filter((d) => d.body.event === 'video.processing').map((d) => d.body.data.progress as number);
    assert.equal(progress.length, 3);
    assert.ok(progress.every((p, i) => i === 0 || p > (progress[i - 1] as number)), `increasing: ${progress}`);
    assert.ok(progress.every((p) => p > 0 && p < 100));
    const done = deliveries.at(-1)!.body.data;
    assert.equal(done.status, 'completed');
    assert.equal(done.video_url, `${sim.url}/_sim/videos/${task_id}.mp4`);
    assert.equal(typeof done.completed_at, 'string');
    assert.equal(deliveries[0]!.body.data.status, 'created');
    assert.equal(deliveries[0]!.body.data.video_url, undefined);
    // A tampered body no longer verifies: the check above can fail.
    assert.equal(klingSignatureValid({ ...deliveries[0]!, raw: Buffer.from(deliveries[0]!.raw.toString().replace('created', 'createD')) }, hook.secret), false);
    const stats = await sim.stats();
    assert.equal(stats.gatewayDeliveriesSent, 5);
    assert.equal(stats.gatewayDeliveriesDelivered, 5);
    assert.equal(stats.tasks[task_id]?.gatewayDeliveries, 5);
    assert.equal(stats.callbacksSent, 0);
  });

  test('only subscribed events, only active endpoints; job.* only when named explicitly', async () => {
    await configure({ processingMs: 50, outcome: 'failed', failureMessage: 'policy says no' });
    await register('/gw/failed', ['video.failed']);
    await register('/gw/job', ['job.failed', 'job.completed', 'job.status_changed']);
    await register('/gw/off', ['*'], false);
    const removed = await register('/gw/removed', ['*']);
    await kling('DELETE', `/v1/webhooks/${removed.id}`);
    await createTask();
    await waitFor(() => eventsAt('/gw/job').length === 4 && eventsAt('/gw/failed').length === 1, 'job events');
    const failed = at('/gw/failed')[0]!.body;
    assert.deepEqual([failed.event, failed.data.status, failed.data.error], ['video.failed', 'failed', 'policy says no']);
    assert.equal(failed.data.video_url, undefined);
    assert.deepEqual(eventsAt('/gw/job').sort(), ['job.failed', 'job.status_changed', 'job.status_changed', 'job.status_changed'].sort());
    const statuses = at('/gw/job').filter((d) => d.body.event === 'job.status_changed').map((d) => d.body.data.status);
    assert.deepEqual(statuses.sort(), ['created', 'failed', 'processing']);
    assert.equal(at('/gw/off').length + at('/gw/removed').length, 0);
  });

  test('gatewayIncludeExternalId puts task_info.external_task_id into data', async () => {
    await configure({ processingMs: 30, gatewayIncludeExternalId: true });
    await register('/gw/ext', ['video.completed']);
    await createTask({ external_task_id: 'gen-123' });
    const d = await waitFor(() => at('/gw/ext')[0], 'completed');
    assert.deepEqual(d.body.data.task_info, { external_task_id: 'gen-123' });
  });

  test('drop mode sends nothing to the gateway either', async () => {
    await configure({ processingMs: 60, callback: 'drop' });
    await register('/gw/drop');
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/drop` });
    await waitForTask(task_id, 'succeed');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(sim.received.length, 0);
    assert.equal((await sim.stats()).gatewayDeliveriesSent, 0);
  });

  test('reorder holds the non-terminal events until the terminal one went out', async () => {
    await configure({ processingMs: 150, callback: 'reorder' });
    await register('/gw/re');
    await createTask();
    await waitFor(() => at('/gw/re').length === 5, '5 events');
    assert.equal(eventsAt('/gw/re')[0], 'video.completed');
  });

  test('a failing endpoint is retried (callbackAttempts) with the same body and signature', async () => {
    await configure({ processingMs: 0, callbackAttempts: 3 });
    const hook = await register('/gw/retry', ['video.completed']);
    sim.failNext(2);
    const { task_id } = await createTask();
    await waitFor(() => at('/gw/retry').length === 3, '3 attempts');
    const [first, , last] = at('/gw/retry');
    assert.deepEqual(first!.raw, last!.raw);
    assert.ok(klingSignatureValid(last!, hook.secret));
    const stats = await waitFor(async () => ((await sim.stats()).gatewayDeliveriesDelivered === 1 ? sim.stats() : undefined), 'delivered');
    assert.deepEqual([stats.gatewayDeliveriesSent, stats.gatewayDeliveriesFailed, stats.tasks[task_id]?.gatewayDeliveries], [3, 2, 3]);
  });
});

describe('Standard Webhooks signatures', () => {
  test('a whsec_ secret verifies with the standardwebhooks library; webhook-id is per event and stable across retries', async () => {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await configure({ processingMs: 150, gatewaySignature: 'standard', gatewaySecret: secret, callbackAttempts: 2 });
    await register('/gw/std');
    sim.failNext(1); // the video.created event is delivered twice
    await createTask();
    // The retry of video.created comes after the sim's first retry delay, possibly after the rest.
    await waitFor(() => eventsAt('/gw/std').includes('video.completed') && eventsAt('/gw/std').filter((e) => e === 'video.created').length === 2, 'all events');
    const wh = new Webhook(secret);
    for (const d of at('/gw/std')) {
      assert.equal(d.headers['x-kling-signature'], undefined);
      const verified = wh.verify(d.raw.toString('utf8'), {
        'webhook-id': d.headers['webhook-id'] as string,
        'webhook-timestamp': d.headers['webhook-timestamp'] as string,
        'webhook-signature': d.headers['webhook-signature'] as string,
      });
      assert.deepEqual(verified, d.body);
    }
    const created = at('/gw/std').filter((d) => d.body.event === 'video.created');
    assert.equal(created.length, 2);
    assert.equal(created[0]!.headers['webhook-id'], created[1]!.headers['webhook-id']);
    const ids = new Set(at('/gw/std').map((d) => d.headers['webhook-id']));
    assert.equal(ids.size, at('/gw/std').length - 1);
    // A different secret must not verify.
    const other = new Webhook(`whsec_${randomBytes(24).toString('base64')}`);
    const d = at('/gw/std')[0]!;
    assert.throws(() => other.verify(d.raw.toString('utf8'), d.headers as Record<string, string>));
  });

  test('a secret without whsec_ is used as its UTF-8 bytes', async () => {
    await configure({ processingMs: 20, gatewaySignature: 'standard', gatewaySecret: 'plain-secret' });
    await register('/gw/plain', ['video.completed']);
    await createTask();
    const d = await waitFor(() => at('/gw/plain')[0], 'completed');
    const id = d.headers['webhook-id'] as string;
    const ts = d.headers['webhook-timestamp'] as string;
    assert.match(ts, /^\d{10}$/);
    const expected = createHmac('sha256', Buffer.from('plain-secret', 'utf8')).update(`${id}.${ts}.${d.raw.toString('utf8')}`).digest('base64');
    assert.equal(d.headers['webhook-signature'], `v1,${expected}`);
  });
});
