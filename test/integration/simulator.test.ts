// The Kling simulator over real loopback HTTP: API contract, lifecycle, callbacks, errors, video.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { KlingTask } from '../../src/simulator/taskView.js';
import { assetSize, expectedVideoSha256, videoLayout } from '../../src/simulator/video.js';
import { simulatorHarness } from '../support/simulatorHarness.js';

const sim = simulatorHarness<KlingTask & { code?: unknown }>({ accessKey: 'test-ak', secretKey: 'test-sk' });
const { kling, control, configure, waitFor, waitForTask } = sim;
/** Callbacks the receiver accepted (answered 200) at /cb/<name>. */
const callbacksFor = (name: string) => sim.receivedAt(`/cb/${name}`).filter((r) => r.answered === 200);

before(() => sim.start());
after(() => sim.close());
beforeEach(() => sim.reset());

const createTask = async (extra: Record<string, unknown> = {}) => {
  const res = await kling('POST', '/v1/videos/text2video', { prompt: 'a cat surfing', ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.data;
};

/** Raw GET so a cut connection is observable with the bytes received before it. */
function download(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; complete: boolean }>((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      const finish = (complete: boolean) => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete });
      res.on('end', () => finish(res.complete));
      res.on('error', () => finish(false));
      res.on('aborted', () => finish(false));
    });
    req.on('error', reject);
    req.end();
  });
}
function videoOf(task: KlingTask | undefined) {
  const video = task?.task_result?.videos[0];
  assert.ok(video, 'task has a result video');
  return video;
}
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ------------------------------------------------------------------ API contract

describe('tasks', () => {
  test('create answers the Kling envelope and a submitted task', async () => {
    const res = await kling('POST', '/v1/videos/text2video', { prompt: 'p', external_task_id: 'ext-1' });
    assert.equal(res.status, 200);
    assert.equal(res.body.code, 0);
    assert.equal(res.body.message, 'SUCCEED');
    assert.match(res.body.request_id, /^[0-9a-f-]{36}$/);
    assert.match(res.body.data.task_id, /^[1-9]\d{17}$/);
    assert.equal(res.body.data.task_status, 'submitted');
    assert.deepEqual(res.body.data.task_info, { external_task_id: 'ext-1' });
    assert.equal(typeof res.body.data.created_at, 'number');
  });

  test('get by task_id, by external_task_id in the path, and list by external_task_id', async () => {
    const { task_id } = await createTask({ external_task_id: 'ext-get' });
    await createTask({ external_task_id: 'other' });
    for (const id of [task_id, 'ext-get']) {
      const res = await kling('GET', `/v1/videos/text2video/${id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.data.task_id, task_id);
    }
    const list = await kling<KlingTask[]>('GET', '/v1/videos/text2video?external_task_id=ext-get');
    assert.deepEqual(list.body.data.map((t) => t.task_id), [task_id]);
    assert.deepEqual((await kling<KlingTask[]>('GET', '/v1/videos/text2video?external_task_id=nope')).body.data, []);
    const missing = await kling('GET', '/v1/videos/text2video/123456789012345678');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 1203);
  });

  test('list is newest first, paginated, per family', async () => {
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createTask()).task_id);
    const img = await kling('POST', '/v1/videos/image2video', { image: 'https://example.com/a.png' });
    assert.equal(img.status, 200);
    const page1 = await kling<KlingTask[]>('GET', '/v1/videos/text2video?pageNum=1&pageSize=2');
    assert.deepEqual(page1.body.data.map((t) => t.task_id), [ids[2], ids[1]]);
    const page2 = await kling<KlingTask[]>('GET', '/v1/videos/text2video?pageNum=2&pageSize=2');
    assert.deepEqual(page2.body.data.map((t) => t.task_id), [ids[0]]);
    // A task of one family is invisible under the other.
    assert.equal((await kling('GET', `/v1/videos/image2video/${ids[0]}`)).status, 404);
    assert.equal((await kling('GET', `/v1/videos/text2video/${img.body.data.task_id}`)).status, 404);
    const bad = await kling<KlingTask[]>('GET', '/v1/videos/text2video?pageSize=501');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 1201);
    assert.match(bad.body.message, /pageSize/);
  });

  test('a second create with the same external_task_id is refused with 1201', async () => {
    await createTask({ external_task_id: 'dup' });
    const res = await kling('POST', '/v1/videos/image2video', { image: 'aGVsbG8=', external_task_id: 'dup' });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, 1201);
    assert.match(res.body.message, /external_task_id already exists/);
    assert.equal((await sim.stats()).tasksCreated, 1);
  });

  test('bad parameters → 400 naming the field', async () => {
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['text2video', {}, /prompt/],
      ['text2video', { prompt: 'x'.repeat(2501) }, /prompt/],
      ['text2video', { prompt: 'p', model_name: 'kling-v9' }, /model_name/],
      ['text2video', { prompt: 'p', duration: 5 }, /duration/],
      ['text2video', { prompt: 'p', duration: '20' }, /duration/],
      ['text2video', { prompt: 'p', cfg_scale: 1.5 }, /cfg_scale/],
      ['text2video', { prompt: 'p', aspect_ratio: '4:3' }, /aspect_ratio/],
      ['text2video', { prompt: 'p', callback_url: 'ftp://x/y' }, /callback_url/],
      ['image2video', { prompt: 'p' }, /image/],
      ['image2video', { image: 'data:image/png;base64,aGVsbG8=' }, /image.*data:/],
    ];
    for (const [family, body, field] of cases) {
      const res = await kling('POST', `/v1/videos/${family}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.code, 1201);
      assert.match(res.body.message, field);
    }
    const notJson = await kling('POST', '/v1/videos/text2video', '{oops');
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.code, 1200);
  });

  test('auth failures → 401 with the Kling codes; unknown routes → 404 1202/1203', async () => {
    const none = await kling('GET', '/v1/videos/text2video/1', undefined, { auth: false });
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 1001);
    const wrong = await kling('GET', '/v1/videos/text2video/1', undefined, { secret: 'nope' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.code, 1000);
    assert.equal(wrong.body.data, null);
    const family = await kling('POST', '/v1/videos/no-such-family', {});
    assert.deepEqual([family.status, family.body.code], [404, 1203]);
    const method = await kling('DELETE', '/v1/videos/text2video');
    assert.deepEqual([method.status, method.body.code], [404, 1202]);
  });
});

// ------------------------------------------------------------------ lifecycle and callbacks

describe('lifecycle and callbacks', () => {
  test('reaches succeed and POSTs the bare task object at each change', async () => {
    await configure({ processingMs: 150 });
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/ok`, external_task_id: 'ext-cb' });
    const done = await waitForTask(task_id, 'succeed');
    assert.equal(videoOf(done).url, `${sim.url}/_sim/videos/${task_id}.mp4`);
    assert.equal(videoOf(done).duration, '5');
    assert.equal(typeof done.final_unit_deduction, 'string');
    const cbs = await waitFor(() => callbacksFor('ok').length === 2 && callbacksFor('ok'), 'two callbacks');
    assert.deepEqual(cbs.map((c) => c.body.task_status), ['processing', 'succeed']);
    for (const { body } of cbs) {
      assert.equal(body.task_id, task_id);
      assert.equal(body.code, undefined); // bare, no envelope
      assert.deepEqual(body.task_info, { external_task_id: 'ext-cb' });
    }
    assert.equal(videoOf(cbs[1]?.body).url, videoOf(done).url);
    const stats = await sim.stats();
    assert.equal(stats.tasks[task_id]?.callbacksSent, 2);
    assert.equal(stats.tasks[task_id]?.status, 'succeed');
    assert.equal(stats.requests['POST /v1/videos/text2video'], 1);
  });

  test('failed outcome carries failureMessage, in GET and in the callback', async () => {
    await configure({ processingMs: 100, outcome: 'failed', failureMessage: 'nope: policy' });
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/fail` });
    const done = await waitForTask(task_id, 'failed');
    assert.equal(done.task_status_msg, 'nope: policy');
    assert.equal(done.task_result, undefined);
    const cb = await waitFor(() => callbacksFor('fail').find((c) => c.body.task_status === 'failed'), 'failed callback');
    assert.equal(cb.body.task_status_msg, 'nope: policy');
  });

  test('drop sends nothing', async () => {
    await configure({ processingMs: 60, callback: 'drop' });
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/drop` });
    await waitForTask(task_id, 'succeed');
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(callbacksFor('drop').length, 0);
    assert.equal((await sim.stats()).callbacksSent, 0);
  });

  test('duplicate sends each callback callbackAttempts times', async () => {
    await configure({ processingMs: 100, callback: 'duplicate', callbackAttempts: 3 });
    await createTask({ callback_url: `${sim.receiverUrl}/cb/dup` });
    const cbs = await waitFor(() => callbacksFor('dup').length === 6 && callbacksFor('dup'), '6 callbacks');
    assert.equal(cbs.filter((c) => c.body.task_status === 'succeed').length, 3);
  });

  test('reorder delivers processing after the terminal one', async () => {
    await configure({ processingMs: 100, callback: 'reorder' });
    await createTask({ callback_url: `${sim.receiverUrl}/cb/re` });
    const cbs = await waitFor(() => callbacksFor('re').length === 2 && callbacksFor('re'), '2 callbacks');
    assert.deepEqual(cbs.map((c) => c.body.task_status), ['succeed', 'processing']);
  });

  test('delay sends callbacks callbackDelayMs after the change', async () => {
    await configure({ processingMs: 30, callback: 'delay', callbackDelayMs: 300 });
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/delay` });
    const done = await waitForTask(task_id, 'succeed');
    assert.equal(callbacksFor('delay').length, 0);
    const cb = await waitFor(() => callbacksFor('delay').find((c) => c.body.task_status === 'succeed'), 'delayed callback');
    assert.ok(cb.at - done.updated_at >= 290, `arrived after ${cb.at - done.updated_at} ms`);
  });

  test('a failing receiver is retried until it answers 2xx', async () => {
    await configure({ processingMs: 0, callbackAttempts: 3 });
    sim.failNext(2);
    const { task_id } = await createTask({ callback_url: `${sim.receiverUrl}/cb/retry` });
    await waitFor(() => callbacksFor('retry').length === 2, 'both callbacks');
    const stats = await sim.stats();
    assert.equal(stats.callbacksFailed, 2);
    assert.equal(stats.tasks[task_id]?.callbacksSent, 4);
  });

  test('the config is snapshotted at creation', async () => {
    await configure({ processingMs: 100, videoBytes: 5000 });
    const { task_id } = await createTask();
    await configure({ processingMs: 600_000, outcome: 'failed', videoBytes: 9000 });
    const done = await waitForTask(task_id, 'succeed');
    assert.equal((await download(videoOf(done).url)).body.length, 5000);
  });
});

// ------------------------------------------------------------------ injected errors and control API

describe('injected errors', () => {
  test('submitErrors answer instead of creating, one per request', async () => {
    await configure({ submitErrors: [{ status: 429, code: 1303 }, { status: 200, code: 1303, message: 'busy' }] });
    const first = await kling('POST', '/v1/videos/text2video', { prompt: 'p' });
    assert.deepEqual([first.status, first.body.code, first.body.data], [429, 1303, null]);
    const second = await kling('POST', '/v1/videos/text2video', { prompt: 'p' });
    assert.deepEqual([second.status, second.body.code, second.body.message], [200, 1303, 'busy']);
    assert.equal((await sim.stats()).tasksCreated, 0);
    await createTask();
    assert.deepEqual((await sim.config()).submitErrors, []);
  });

  test('afterCreate: the task exists and runs although the client saw an error', async () => {
    await configure({ processingMs: 50, submitErrors: [{ status: 500, code: 5000, afterCreate: true }] });
    const res = await kling('POST', '/v1/videos/text2video', { prompt: 'p', external_task_id: 'ghost', callback_url: `${sim.receiverUrl}/cb/ghost` });
    assert.deepEqual([res.status, res.body.code], [500, 5000]);
    const retry = await kling('POST', '/v1/videos/text2video', { prompt: 'p', external_task_id: 'ghost' });
    assert.match(retry.body.message, /external_task_id already exists/);
    const found = await kling<KlingTask[]>('GET', '/v1/videos/text2video?external_task_id=ghost');
    assert.equal(found.body.data.length, 1);
    await waitFor(() => callbacksFor('ghost').some((c) => c.body.task_status === 'succeed'), 'ghost callback');
  });

  test('afterCreate with only delayMs: the client times out, the task was created', async () => {
    await configure({ submitErrors: [{ afterCreate: true, delayMs: 500 }] });
    await assert.rejects(kling('POST', '/v1/videos/text2video', { prompt: 'p', external_task_id: 'slow' }, { signal: AbortSignal.timeout(100) }));
    const found = await kling('GET', '/v1/videos/text2video/slow');
    assert.equal(found.status, 200);
  });

  test('pollErrors answer one GET each', async () => {
    const { task_id } = await createTask();
    await configure({ pollErrors: [{ status: 503, code: 5001 }, { code: 1302 }] });
    const a = await kling('GET', `/v1/videos/text2video/${task_id}`);
    assert.deepEqual([a.status, a.body.code], [503, 5001]);
    const b = await kling('GET', '/v1/videos/text2video');
    assert.deepEqual([b.status, b.body.code], [429, 1302]);
    assert.equal((await kling('GET', `/v1/videos/text2video/${task_id}`)).status, 200);
  });

  test('bad control input → 400 naming the field; reset restores defaults', async () => {
    const neg = await control('PUT', 'config', { processingMs: -1 });
    assert.equal(neg.status, 400);
    assert.match(neg.body.error, /processingMs/);
    const typo = await control('PUT', 'config', { procesingMs: 5 });
    assert.equal(typo.status, 400);
    assert.match(typo.body.error, /procesingMs/);
    const mode = await control('PUT', 'config', { callback: 'sometimes' });
    assert.match(mode.body.error, /callback/);
    await configure({ processingMs: 7, videoBytes: 5000 });
    assert.equal((await sim.config()).videoBytes, 5000);
    await configure({ videoBytes: null });
    assert.equal((await sim.config()).videoBytes, undefined);
    await control('POST', 'reset');
    assert.equal((await sim.config()).processingMs, 1500);
  });
});

// ------------------------------------------------------------------ video

describe('video', () => {
  async function succeededVideoUrl(patch: Record<string, unknown> = {}): Promise<string> {
    await configure({ processingMs: 0, ...patch });
    const { task_id } = await createTask();
    const done = await waitForTask(task_id, 'succeed');
    return videoOf(done).url;
  }

  test('serves a valid MP4 with a stable sha256 equal to the helper', async () => {
    const url = await succeededVideoUrl();
    const a = await download(url);
    assert.equal(a.status, 200);
    assert.equal(a.headers['content-type'], 'video/mp4');
    assert.equal(a.headers['accept-ranges'], 'bytes');
    assert.equal(a.body.subarray(4, 8).toString('latin1'), 'ftyp');
    assert.equal(a.body.length, assetSize());
    assert.equal(Number(a.headers['content-length']), a.body.length);
    const b = await download(url);
    assert.equal(sha256(a.body), sha256(b.body));
    assert.equal(sha256(a.body), await expectedVideoSha256());
    const head = await download(url, {}, 'HEAD');
    assert.deepEqual([head.status, Number(head.headers['content-length']), head.body.length], [200, assetSize(), 0]);
  });

  test('Range → 206 with Content-Range; out of range → 416', async () => {
    const url = await succeededVideoUrl({ videoBytes: 10_000 });
    const full = (await download(url)).body;
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=9990-', 9990, 9999],
      ['bytes=-100', 9900, 9999],
      ['bytes=9000-20000', 9000, 9999],
    ];
    for (const [range, start, end] of cases) {
      const part = await download(url, { range });
      assert.equal(part.status, 206, range);
      assert.equal(part.headers['content-range'], `bytes ${start}-${end}/10000`);
      assert.equal(Number(part.headers['content-length']), end - start + 1);
      assert.deepEqual(part.body, full.subarray(start, end + 1));
    }
    const bad = await download(url, { range: 'bytes=10000-' });
    assert.equal(bad.status, 416);
    assert.equal(bad.headers['content-range'], 'bytes */10000');
  });

  test('videoBytes pads with a free box to the exact size, deterministically', async () => {
    const url = await succeededVideoUrl({ videoBytes: 300_000 });
    const { body } = await download(url);
    assert.equal(body.length, 300_000);
    assert.equal(body.readUInt32BE(assetSize()), 300_000 - assetSize());
    assert.equal(body.subarray(assetSize() + 4, assetSize() + 8).toString('latin1'), 'free');
    assert.equal(sha256(body), await expectedVideoSha256(300_000));
    assert.notEqual(await expectedVideoSha256(300_001), sha256(body));
    // Beyond 4 GiB the box switches to a 64-bit largesize header.
    const big = videoLayout(5 * 1024 ** 3);
    assert.deepEqual([big.header.readUInt32BE(0), big.header.readBigUInt64BE(8)], [1, BigInt(5 * 1024 ** 3 - assetSize())]);
  });

  test('downloadFailAfterBytes cuts the first response only', async () => {
    const url = await succeededVideoUrl({ videoBytes: 200_000, downloadFailAfterBytes: 70_000 });
    const first = await download(url);
    assert.equal(first.complete, false);
    assert.equal(first.body.length, 70_000);
    const resumed = await download(url, { range: `bytes=${first.body.length}-` });
    assert.equal(resumed.status, 206);
    assert.equal(sha256(Buffer.concat([first.body, resumed.body])), await expectedVideoSha256(200_000));
    const again = await download(url);
    assert.equal(again.body.length, 200_000);
    const stats = await sim.stats();
    assert.equal(stats.videoRequests, 3);
  });

  test('no video before the task succeeded', async () => {
    await configure({ processingMs: 60_000 });
    const { task_id } = await createTask();
    assert.equal((await download(`${sim.url}/_sim/videos/${task_id}.mp4`)).status, 404);
  });
});
