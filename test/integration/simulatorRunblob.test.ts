// RunBlob (a Kling reseller) on the simulator over real loopback HTTP: API-key auth, FastAPI
// errors, credits, lifecycle, terminal-only callbacks, failure codes and injected errors.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulator } from '../../src/simulator/app.js';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { simulatorHarness } from '../support/simulatorHarness.js';

const API_KEY = 'rb-test-key';
const sim = simulatorHarness({ accessKey: 'ak', secretKey: 'sk', runblobApiKey: API_KEY });
const { configure, waitFor } = sim;
const at = sim.receivedAt;

before(() => sim.start());
after(() => sim.close());
beforeEach(async () => {
  await sim.reset();
  await configure({ processingMs: 80 });
});

const runblob = (method: string, path: string, body?: unknown, key: string | null = API_KEY) =>
  sim.request(method, `/v1/kling/o3-video${path}`, body, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
const generate = (body: Record<string, unknown>) => runblob('POST', '/generate', body);
const getGeneration = (id: string) => runblob('GET', `/generations/${id}`);

const waitForStatus = (id: string, status: string) =>
  waitFor(async () => {
    const res = await getGeneration(id);
    return res.body.status === status ? res.body : undefined;
  }, `generation ${id} ${status}`);

async function started(body: Record<string, unknown> = {}): Promise<string> {
  const res = await generate({ prompt: 'a robot paints', ...body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.generation_id;
}

describe('requests', () => {
  test('401 { detail } without or with a wrong key; a Kling JWT is not a RunBlob key', async () => {
    for (const key of [null, 'wrong', 'sim-runblob-key']) {
      const res = await runblob('POST', '/generate', { prompt: 'p' }, key);
      assert.deepEqual([res.status, res.body], [401, { detail: 'Invalid API key' }], String(key));
    }
    assert.equal((await runblob('GET', '/generations/x', undefined, null)).status, 401);
    assert.equal((await sim.stats()).runblobGenerationsCreated, 0);
  });

  test('the default key is sim-runblob-key', async () => {
    const other = await startSimulator({ accessKey: 'ak', secretKey: 'sk' });
    try {
      const res = await fetch(`${other.url}/v1/kling/o3-video/generations/x`, { headers: { authorization: 'Bearer sim-runblob-key' } });
      assert.deepEqual([res.status, await res.json()], [404, { detail: 'Generation not found' }]);
    } finally {
      await other.close();
    }
  });

  test('validation → 422 FastAPI-style naming the field', async () => {
    const cases: [unknown, (string | number)[], string][] = [
      [{}, ['body', 'prompt'], 'missing'],
      [{ prompt: '' }, ['body', 'prompt'], 'string_too_short'],
      [{ prompt: 'x'.repeat(2501) }, ['body', 'prompt'], 'string_too_long'],
      [{ prompt: 'p', duration: '7' }, ['body', 'duration'], 'literal_error'],
      [{ prompt: 'p', duration: 5 }, ['body', 'duration'], 'literal_error'],
      [{ prompt: 'p', model: 'kling_o4' }, ['body', 'model'], 'literal_error'],
      [{ prompt: 'p', aspect_ratio: '4:3' }, ['body', 'aspect_ratio'], 'literal_error'],
      [{ prompt: 'p', images_url: Array(6).fill('https://example.com/a.png') }, ['body', 'images_url'], 'too_long'],
      [{ prompt: 'p', images_base64: Array(6).fill('aGVsbG8=') }, ['body', 'images_base64'], 'too_long'],
      [{ prompt: 'p', images_url: ['https://example.com/a.png'], images_base64: ['aGVsbG8='] }, ['body', 'images_base64'], 'value_error'],
      [{ prompt: 'p', images_url: ['not a url'] }, ['body', 'images_url', 0], 'url_parsing'],
      [{ prompt: 'p', callback_url: 'ftp://example.com/cb' }, ['body', 'callback_url'], 'url_scheme'],
      [{ prompt: 'p', keep_original_sound: 'maybe' }, ['body', 'keep_original_sound'], 'bool_type'],
      [[1, 2], ['body'], 'model_attributes_type'],
      ['{oops', ['body', 0], 'json_invalid'],
    ];
    for (const [body, loc, type] of cases) {
      const res = await runblob('POST', '/generate', body);
      assert.equal(res.status, 422, JSON.stringify(body).slice(0, 80));
      assert.ok(Array.isArray(res.body.detail));
      const issue = res.body.detail[0];
      assert.deepEqual([issue.loc, issue.type], [loc, type], JSON.stringify(res.body).slice(0, 300));
      assert.equal(typeof issue.msg, 'string');
    }
    assert.equal((await sim.stats()).runblobGenerationsCreated, 0);
  });

  test('price per duration and model; credits run out → 402 INSUFFICIENT_CREDITS', async () => {
    const prices: [Record<string, unknown>, number][] = [
      [{}, 0.35],
      [{ duration: '10' }, 0.7],
      [{ duration: '15', model: 'kling_o3_pro' }, 2.1],
    ];
    for (const [extra, price] of prices) {
      const res = await generate({ prompt: 'p', ...extra });
      assert.deepEqual([res.status, res.body.status, res.body.price], [200, 'pending', price]);
      assert.match(res.body.generation_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    assert.equal((await sim.config()).runblobCredits, 1000 - 3.15);
    await configure({ runblobCredits: 0.5 });
    assert.equal((await generate({ prompt: 'p' })).status, 200);
    const broke = await generate({ prompt: 'p' });
    assert.deepEqual([broke.status, broke.body], [402, { detail: 'INSUFFICIENT_CREDITS' }]);
    assert.equal((await sim.config()).runblobCredits, 0.15);
    assert.equal((await sim.stats()).runblobGenerationsCreated, 4);
  });

  test('unknown generation 404, unknown route 404, wrong method 405', async () => {
    assert.deepEqual(await getGeneration('3f1c0d7e-0000-4000-8000-000000000000'), { status: 404, body: { detail: 'Generation not found' } });
    assert.deepEqual(await runblob('POST', '/nope', {}), { status: 404, body: { detail: 'Not Found' } });
    assert.deepEqual(await runblob('GET', '/generate'), { status: 405, body: { detail: 'Method Not Allowed' } });
  });
});

describe('lifecycle', () => {
  test('pending → processing → completed; one terminal callback of the documented shape; the video downloads', async () => {
    await configure({ processingMs: 300 });
    const id = await started({ callback_url: `${sim.receiverUrl}/rb/ok`, model: 'kling_o3_pro', images_url: ['https://example.com/a.png'] });
    const first = await getGeneration(id);
    assert.deepEqual(first.body, { generation_id: id, status: 'pending', video_url: null, model: 'kling_o3_pro', prompt: 'a robot paints', message: null });
    await waitForStatus(id, 'processing');
    const done = await waitForStatus(id, 'completed');
    assert.equal(done.video_url, `${sim.url}/_sim/videos/${id}.mp4`);
    const cb = await waitFor(() => at('/rb/ok')[0], 'callback');
    assert.deepEqual(cb.body, { generation_id: id, status: 'completed', video_url: done.video_url, model: 'kling_o3_pro', message: null });
    const video = await fetch(done.video_url, { headers: { range: 'bytes=0-99' } });
    assert.equal(video.status, 206);
    const full = Buffer.from(await (await fetch(done.video_url)).arrayBuffer());
    assert.equal(createHash('sha256').update(full).digest('hex'), await expectedVideoSha256());
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(at('/rb/ok').length, 1); // terminal only
    const stats = await sim.stats();
    assert.deepEqual(
      { provider: stats.tasks[id]?.provider, status: stats.tasks[id]?.status, callbacksSent: stats.tasks[id]?.callbacksSent, videoRequests: stats.tasks[id]?.videoRequests },
      { provider: 'runblob', status: 'completed', callbacksSent: 1, videoRequests: 2 },
    );
    assert.equal(stats.requests['POST /v1/kling/o3-video/generate'], 1);
    assert.ok((stats.requests['GET /v1/kling/o3-video/generations/:id'] ?? 0) >= 3);
  });

  test('failure carries the runblobFailure code in GET and callback; TASK_FAILED is refunded, a policy violation is not', async () => {
    await configure({ outcome: 'failed', runblobFailure: 'TASK_FAILED' });
    const id = await started({ callback_url: `${sim.receiverUrl}/rb/fail` });
    const failed = await waitForStatus(id, 'failed');
    assert.deepEqual([failed.message, failed.video_url], ['TASK_FAILED', null]);
    const cb = await waitFor(() => at('/rb/fail')[0], 'callback');
    assert.deepEqual(cb.body, { generation_id: id, status: 'failed', video_url: null, model: 'kling_o3', message: 'TASK_FAILED' });
    assert.equal((await fetch(`${sim.url}/_sim/videos/${id}.mp4`)).status, 404);
    assert.equal((await sim.config()).runblobCredits, 1000);
    await configure({ runblobFailure: 'CONTENT_POLICY_VIOLATION' });
    const charged = await started();
    assert.equal((await waitForStatus(charged, 'failed')).message, 'CONTENT_POLICY_VIOLATION');
    assert.equal((await sim.config()).runblobCredits, 999.65);
  });

  test('runblobFailTimes: only the first N fail, so a retry after TASK_FAILED succeeds', async () => {
    await configure({ outcome: 'failed', runblobFailure: 'TASK_FAILED', runblobFailTimes: 1 });
    const first = await started();
    const second = await started();
    assert.equal((await waitForStatus(first, 'failed')).message, 'TASK_FAILED');
    assert.equal((await waitForStatus(second, 'completed')).message, null);
    assert.equal((await sim.config()).runblobFailTimes, 0);
  });

  test('a failing receiver is retried up to callbackAttempts; drop sends nothing', async () => {
    await configure({ processingMs: 0, callbackAttempts: 3 });
    sim.failNext(2);
    const id = await started({ callback_url: `${sim.receiverUrl}/rb/retry` });
    await waitFor(() => at('/rb/retry').length === 3, '3 attempts');
    assert.equal((await sim.stats()).tasks[id]?.callbacksSent, 3);
    await configure({ processingMs: 0, callback: 'drop' });
    const dropped = await started({ callback_url: `${sim.receiverUrl}/rb/drop` });
    await waitForStatus(dropped, 'completed');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(at('/rb/drop').length, 0);
  });

  test('reset forgets generations and restores credits', async () => {
    const id = await started();
    await sim.reset();
    assert.equal((await getGeneration(id)).status, 404);
    const config = await sim.config();
    assert.deepEqual([config.runblobCredits, config.runblobFailure, config.runblobFailTimes], [1000, 'CONTENT_POLICY_VIOLATION', undefined]);
  });
});

describe('injected errors', () => {
  test('pollErrors answer RunBlob-style { detail }, one GET each', async () => {
    const id = await started();
    await configure({ pollErrors: [{ status: 503 }, { status: 500, message: 'boom' }] });
    assert.deepEqual(await getGeneration(id), { status: 503, body: { detail: 'MAINTENANCE' } });
    assert.deepEqual(await getGeneration(id), { status: 500, body: { detail: 'boom' } });
    assert.equal((await getGeneration(id)).status, 200);
  });

  test('submitErrors: before creating nothing is charged; afterCreate the generation exists and was charged', async () => {
    await configure({ submitErrors: [{ status: 429 }, { status: 502, afterCreate: true }] });
    assert.deepEqual(await generate({ prompt: 'p' }), { status: 429, body: { detail: 'Too Many Requests' } });
    assert.equal((await sim.stats()).runblobGenerationsCreated, 0);
    const ghost = await generate({ prompt: 'p', callback_url: `${sim.receiverUrl}/rb/ghost` });
    assert.deepEqual([ghost.status, ghost.body], [502, { detail: 'Bad Gateway' }]);
    assert.equal((await sim.stats()).runblobGenerationsCreated, 1);
    assert.equal((await sim.config()).runblobCredits, 999.65);
    const cb = await waitFor(() => at('/rb/ghost')[0], 'ghost callback');
    assert.equal(cb.body.status, 'completed');
  });
});
