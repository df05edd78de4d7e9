// The Kling simulator's further task families over real loopback HTTP: multi-image2video,
// video-extend, lip-sync and effects (create, get, list, lifecycle, validation as Kling does it).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { KlingTask } from '../../src/simulator/taskView.js';
import { simulatorHarness } from '../support/simulatorHarness.js';

const sim = simulatorHarness<KlingTask>({ accessKey: 'fam-ak', secretKey: 'fam-sk' });
const { kling, waitFor, waitForTask } = sim;

before(() => sim.start());
after(() => sim.close());
beforeEach(async () => {
  await sim.reset();
  await sim.configure({ processingMs: 60 });
});

async function create(family: string, body: Record<string, unknown>): Promise<KlingTask> {
  const res = await kling('POST', `/v1/videos/${family}`, body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.code, 0);
  assert.equal(res.body.data.task_status, 'submitted');
  return res.body.data;
}

async function expect1201(family: string, body: unknown, field: RegExp): Promise<void> {
  const res = await kling('POST', `/v1/videos/${family}`, body);
  assert.equal(res.status, 400, `${family} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
  assert.equal(res.body.code, 1201);
  assert.equal(res.body.data, null);
  assert.match(res.body.message, field);
}

/** A text2video task that succeeded: its result video is what video-extend and lip-sync take. */
async function succeededVideo(duration = '5'): Promise<{ taskId: string; videoId: string }> {
  const { task_id } = await create('text2video', { prompt: 'a source clip', duration, model_name: 'kling-v2-master' });
  const done = await waitForTask(task_id, 'succeed');
  const video = done.task_result?.videos[0];
  assert.ok(video);
  return { taskId: task_id, videoId: video.id };
}

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('multi-image2video', () => {
  test('creates from 1–4 images (URL or raw base64), completes, and is visible under its own path only', async () => {
    const task = await create('multi-image2video', {
      image_list: [{ image: 'https://example.com/a.png' }, { image: PNG_B64 }],
      prompt: 'two friends meet',
      external_task_id: 'multi-1',
    });
    const done = await waitForTask(task.task_id, 'succeed', 'multi-image2video');
    assert.equal(done.task_result?.videos[0]?.url, `${sim.url}/_sim/videos/${task.task_id}.mp4`);
    assert.deepEqual(done.task_info, { external_task_id: 'multi-1' });
    assert.equal((await kling('GET', '/v1/videos/multi-image2video/multi-1')).body.data.task_id, task.task_id);
    const list = await kling<KlingTask[]>('GET', '/v1/videos/multi-image2video');
    assert.deepEqual(list.body.data.map((t) => t.task_id), [task.task_id]);
    assert.equal((await kling('GET', `/v1/videos/text2video/${task.task_id}`)).status, 404);
    assert.deepEqual((await kling<KlingTask[]>('GET', '/v1/videos/text2video')).body.data, []);
  });

  test('bad fields → 400/1201 naming them', async () => {
    const five = Array.from({ length: 5 }, () => ({ image: 'https://example.com/a.png' }));
    await expect1201('multi-image2video', { image_list: five, prompt: 'p' }, /image_list/);
    await expect1201('multi-image2video', { image_list: [], prompt: 'p' }, /image_list/);
    await expect1201('multi-image2video', { prompt: 'p' }, /image_list/);
    await expect1201('multi-image2video', { image_list: [{ image: 'data:image/png;base64,AAAA' }], prompt: 'p' }, /image_list\.0\.image/);
    await expect1201('multi-image2video', { image_list: [{ image: PNG_B64 }] }, /prompt: is required/);
    await expect1201('multi-image2video', { image_list: [{ image: PNG_B64 }], prompt: 'x'.repeat(2501) }, /prompt/);
    await expect1201('multi-image2video', { image_list: [{ image: PNG_B64 }], prompt: 'p', duration: '7' }, /duration/);
    await expect1201('multi-image2video', { image_list: [{ image: PNG_B64 }], prompt: 'p', model_name: 'kling-v3' }, /model_name/);
    assert.equal((await sim.stats()).tasksCreated, 0);
  });
});

describe('video-extend', () => {
  test('extends a succeeded video of this account: +5 s, same model, completes with a callback', async () => {
    const source = await succeededVideo('5');
    const task = await create('video-extend', { video_id: source.videoId, prompt: 'and then it rains', callback_url: `${sim.receiverUrl}/cb/extend` });
    const done = await waitForTask(task.task_id, 'succeed', 'video-extend');
    assert.equal(done.task_result?.videos[0]?.duration, '10');
    assert.notEqual(done.task_result?.videos[0]?.id, source.videoId);
    await waitFor(() => sim.receivedAt('/cb/extend').some((r) => r.body.task_status === 'succeed'), 'extend callback');
    // The extension's own video can be extended in turn.
    const again = await create('video-extend', { video_id: done.task_result?.videos[0]?.id });
    assert.equal((await waitForTask(again.task_id, 'succeed', 'video-extend')).task_result?.videos[0]?.duration, '15');
    assert.equal((await kling('GET', `/v1/videos/text2video/${task.task_id}`)).status, 404);
  });

  test('unknown or missing video_id → 400/1201', async () => {
    await expect1201('video-extend', { video_id: '00000000-0000-4000-8000-000000000000' }, /video_id not found/);
    // A task_id is not a video id.
    const { taskId } = await succeededVideo();
    await expect1201('video-extend', { video_id: taskId }, /video_id not found/);
    await expect1201('video-extend', {}, /video_id: is required/);
    await expect1201('video-extend', { video_id: 'x', cfg_scale: 2 }, /cfg_scale/);
  });
});

describe('lip-sync', () => {
  test('text2video mode on a video of this account completes; top-level callback_url and external_task_id apply', async () => {
    const source = await succeededVideo('10');
    const task = await create('lip-sync', {
      input: { video_id: source.videoId, mode: 'text2video', text: 'hello there', voice_id: 'genshin_vindi2', voice_language: 'en' },
      callback_url: `${sim.receiverUrl}/cb/lip`,
      external_task_id: 'lip-1',
    });
    assert.deepEqual(task.task_info, { external_task_id: 'lip-1' });
    const done = await waitForTask(task.task_id, 'succeed', 'lip-sync');
    assert.equal(done.task_result?.videos[0]?.duration, '10'); // as long as the source
    const cb = await waitFor(() => sim.receivedAt('/cb/lip').find((r) => r.body.task_status === 'succeed'), 'lip-sync callback');
    assert.equal(cb.body.task_id, task.task_id);
  });

  test('audio2video from a video_url with an audio URL completes', async () => {
    const task = await create('lip-sync', {
      input: { video_url: 'https://example.com/talk.mp4', mode: 'audio2video', audio_type: 'url', audio_url: 'https://example.com/a.mp3' },
    });
    await waitForTask(task.task_id, 'succeed', 'lip-sync');
  });

  test('bad input → 400/1201 naming input.<field>', async () => {
    const video_url = 'https://example.com/talk.mp4';
    await expect1201('lip-sync', { input: { video_url, mode: 'text2video', text: 'hi' } }, /input\.voice_id/);
    await expect1201('lip-sync', { input: { video_url, mode: 'text2video', voice_id: 'v' } }, /input\.text/);
    await expect1201('lip-sync', { input: { video_url, mode: 'text2video', text: 'x'.repeat(121), voice_id: 'v' } }, /input\.text/);
    await expect1201('lip-sync', { input: { video_url, mode: 'audio2video', audio_type: 'url' } }, /input\.audio_url/);
    await expect1201('lip-sync', { input: { video_url, mode: 'audio2video' } }, /input\.audio_type/);
    await expect1201('lip-sync', { input: { mode: 'text2video', text: 'hi', voice_id: 'v' } }, /input\.video_id/);
    await expect1201('lip-sync', { input: { video_url, video_id: 'x', mode: 'text2video', text: 'hi', voice_id: 'v' } }, /input\.video_id/);
    await expect1201('lip-sync', { input: { video_url, mode: 'text2video', text: 'hi', voice_id: 'v', voice_speed: 3 } }, /input\.voice_speed/);
    await expect1201('lip-sync', { input: { video_url, mode: 'sing' } }, /input\.mode/);
    await expect1201('lip-sync', { input: { video_id: 'nope', mode: 'text2video', text: 'hi', voice_id: 'v' } }, /input\.video_id not found/);
    // Fields must sit inside `input`, as Kling documents.
    await expect1201('lip-sync', { video_url, mode: 'text2video', text: 'hi', voice_id: 'v' }, /input/);
    assert.equal((await sim.stats()).tasksCreated, 0);
  });
});

describe('effects', () => {
  test('a two-person scene with 2 images and a single-image scene both complete', async () => {
    const hug = await create('effects', { effect_scene: 'hug', input: { model_name: 'kling-v1-6', mode: 'std', images: [PNG_B64, 'https://example.com/b.png'], duration: '5' } });
    const bloom = await create('effects', { effect_scene: 'bloombloom', input: { image: 'https://example.com/a.png', duration: '5' } });
    for (const { task_id } of [hug, bloom]) await waitForTask(task_id, 'succeed', 'effects');
    const list = await kling<KlingTask[]>('GET', '/v1/videos/effects');
    assert.deepEqual(list.body.data.map((t) => t.task_id), [bloom.task_id, hug.task_id]);
    assert.equal((await kling('GET', `/v1/videos/lip-sync/${hug.task_id}`)).status, 404);
  });

  test('bad fields → 400/1201 naming them', async () => {
    await expect1201('effects', { input: { image: PNG_B64 } }, /effect_scene: is required/);
    await expect1201('effects', { effect_scene: 'moonwalk', input: { image: PNG_B64 } }, /effect_scene/);
    await expect1201('effects', { effect_scene: 'kiss', input: { images: [PNG_B64] } }, /input\.images/);
    await expect1201('effects', { effect_scene: 'squish', input: {} }, /input\.image/);
    await expect1201('effects', { effect_scene: 'squish', input: { image: PNG_B64, duration: '15' } }, /input\.duration/);
    await expect1201('effects', { effect_scene: 'squish' }, /input/);
  });
});

describe('across families', () => {
  test('external_task_id is unique account-wide', async () => {
    await create('text2video', { prompt: 'p', external_task_id: 'shared' });
    await expect1201('effects', { effect_scene: 'squish', input: { image: PNG_B64 }, external_task_id: 'shared' }, /external_task_id already exists/);
    await expect1201('multi-image2video', { image_list: [{ image: PNG_B64 }], prompt: 'p', external_task_id: 'shared' }, /external_task_id already exists/);
  });

  test('every family answers 1202 for a wrong method and 401 without a token; stats name the family and provider', async () => {
    for (const family of ['multi-image2video', 'video-extend', 'lip-sync', 'effects']) {
      const wrong = await kling('DELETE', `/v1/videos/${family}`);
      assert.deepEqual([wrong.status, wrong.body.code], [404, 1202], family);
      const anon = await fetch(`${sim.url}/v1/videos/${family}`, { method: 'POST' });
      assert.equal(anon.status, 401);
    }
    const { task_id } = await create('effects', { effect_scene: 'squish', input: { image: PNG_B64 } });
    const entry = (await sim.stats()).tasks[task_id];
    assert.equal(entry?.family, 'effects');
    assert.equal(entry?.provider, 'kling');
  });
});
