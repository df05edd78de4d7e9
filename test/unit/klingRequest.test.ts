import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGenerationRequest, toWorkflowInput } from '../../src/generationRequest.js';
import { klingPath, toKlingBody } from '../../src/providers/klingRequest.js';
import { toKlingBody as reexported } from '../../src/providers/kling.js';
import type { GenerationRequest } from '../../workflows/types.js';

const CB = 'https://hooks.example/webhooks/kling/gen-1?token=t';
const envelope = { callback_url: CB, external_task_id: 'gen-1' };
const img = (n: number) => `https://cdn.example/${n}.png`;

/** The body for an API request, through the same path as production: schema → workflow input → body. */
const bodyFor = (api: unknown) => toKlingBody(toWorkflowInput('gen-1', parseGenerationRequest(api)).request, 'gen-1', CB);

function assertNoUndefined(value: unknown, where = 'body'): void {
  assert.notEqual(value, undefined, `${where} is undefined`);
  if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) assertNoUndefined(v, `${where}.${k}`);
}

test('klingPath: one path per family', () => {
  assert.equal(klingPath('text2video'), '/v1/videos/text2video');
  assert.equal(klingPath('multi-image2video'), '/v1/videos/multi-image2video');
  assert.equal(klingPath('lip-sync'), '/v1/videos/lip-sync');
  assert.equal(reexported, toKlingBody, 'kling.ts re-exports the same function');
});

test('text2video', () => {
  assert.deepEqual(bodyFor({ prompt: 'a fox', negativePrompt: 'blur', model: 'kling-v2-master', mode: 'pro', duration: 10, aspectRatio: '9:16' }), {
    model_name: 'kling-v2-master',
    prompt: 'a fox',
    negative_prompt: 'blur',
    mode: 'pro',
    duration: '10',
    aspect_ratio: '9:16',
    ...envelope,
  });
  assert.deepEqual(bodyFor({ prompt: 'a fox' }), { prompt: 'a fox', ...envelope });
});

test('image2video: image and image_tail, no aspect_ratio, no empty prompt', () => {
  assert.deepEqual(bodyFor({ kind: 'image2video', imageUrl: img(1), imageTailUrl: img(2), model: 'kling-v1-6', duration: '5' }), {
    model_name: 'kling-v1-6',
    image: img(1),
    image_tail: img(2),
    duration: '5',
    ...envelope,
  });
  assert.deepEqual(bodyFor({ kind: 'image2video', imageUrl: img(1), prompt: 'wave' }), { image: img(1), prompt: 'wave', ...envelope });
});

test('multi-image2video: image_list of { image }, model_name left to Kling', () => {
  assert.deepEqual(bodyFor({ kind: 'multi-image2video', prompt: 'two cats', imageUrls: [img(1), img(2), img(3)], aspectRatio: '1:1', mode: 'std' }), {
    image_list: [{ image: img(1) }, { image: img(2) }, { image: img(3) }],
    prompt: 'two cats',
    mode: 'std',
    aspect_ratio: '1:1',
    ...envelope,
  });
});

test('video-extend: video_id, prompt, negative_prompt', () => {
  assert.deepEqual(bodyFor({ kind: 'video-extend', videoId: '8a1b', prompt: 'keep walking', negativePrompt: 'blur' }), {
    video_id: '8a1b',
    prompt: 'keep walking',
    negative_prompt: 'blur',
    ...envelope,
  });
  assert.deepEqual(bodyFor({ kind: 'video-extend', videoId: '8a1b' }), { video_id: '8a1b', ...envelope });
});

test('lip-sync: fields wrapped in input; callback_url and external_task_id at the top', () => {
  assert.deepEqual(bodyFor({ kind: 'lip-sync', videoId: 'v1', audioUrl: 'https://cdn.example/a.mp3', prompt: 'ignored' }), {
    input: { video_id: 'v1', mode: 'audio2video', audio_type: 'url', audio_url: 'https://cdn.example/a.mp3' },
    ...envelope,
  });
  assert.deepEqual(bodyFor({ kind: 'lip-sync', videoUrl: 'https://cdn.example/v.mp4', text: 'hello', voiceId: 'oversea_male1', voiceLanguage: 'en' }), {
    input: { video_url: 'https://cdn.example/v.mp4', mode: 'text2video', text: 'hello', voice_id: 'oversea_male1', voice_language: 'en' },
    ...envelope,
  });
  // A request that skipped the schema still gets the default mode.
  const raw: GenerationRequest = { prompt: '', kind: 'lip-sync', videoId: 'v1', text: 'hi', voiceId: 'x' };
  assert.deepEqual(toKlingBody(raw, 'gen-1', CB), { input: { video_id: 'v1', mode: 'text2video', text: 'hi', voice_id: 'x' }, ...envelope });
});

test('effects: effect_scene at the top, image or images inside input', () => {
  assert.deepEqual(bodyFor({ kind: 'effects', effectScene: 'squish', imageUrl: img(1), prompt: 'ignored' }), {
    effect_scene: 'squish',
    input: { image: img(1) },
    ...envelope,
  });
  assert.deepEqual(bodyFor({ kind: 'effects', effectScene: 'hug', imageUrls: [img(1), img(2)], model: 'kling-v1-6', mode: 'pro', duration: 5 }), {
    effect_scene: 'hug',
    input: { model_name: 'kling-v1-6', mode: 'pro', duration: '5', images: [img(1), img(2)] },
    ...envelope,
  });
});

test('nothing undefined is left, whatever the family', () => {
  const requests: GenerationRequest[] = [
    { prompt: 'x', kind: 'text2video' },
    { prompt: '', kind: 'image2video', imageUrl: img(1) },
    { prompt: 'x', kind: 'multi-image2video', imageUrls: [img(1)] },
    { prompt: '', kind: 'video-extend', videoId: 'v' },
    { prompt: '', kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3' },
    { prompt: '', kind: 'lip-sync', videoUrl: 'https://a/v.mp4', text: 't', voiceId: 'x' },
    { prompt: '', kind: 'effects', effectScene: 'kiss', imageUrls: [img(1), img(2)] },
    { prompt: '', kind: 'effects', effectScene: 'squish', imageUrl: img(1) },
  ];
  for (const request of requests) {
    const body = toKlingBody(request, 'gen-1', CB);
    assertNoUndefined(body, request.kind);
    assert.ok(!('prompt' in body && body.prompt === ''), `${request.kind}: no empty prompt`);
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(body))), JSON.stringify(body));
  }
});
