import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULTS, parseGenerationRequest, toWorkflowInput, ValidationError } from '../../src/generationRequest.js';
import { DEFAULT_STEP_STATUS_DELAY_MS } from '../../workflows/types.js';
import { loadConfig, ConfigError } from '../../src/config.js';

test('defaults and durations: seconds as numbers, units as strings', () => {
  const r = parseGenerationRequest({ prompt: ' a fox ', callbackTimeout: 90, deadline: '45m', duration: 10 });
  assert.equal(r.kind, 'text2video');
  assert.equal(r.provider, 'kling');
  assert.equal(r.prompt, 'a fox');
  assert.equal(r.duration, '10');
  const input = toWorkflowInput('gen-1', r);
  assert.equal(input.callbackTimeoutMs, 90_000);
  assert.equal(input.deadlineMs, 45 * 60_000);
  assert.deepEqual(input.request, { prompt: 'a fox', kind: 'text2video', duration: '10' });
  assert.equal(toWorkflowInput('gen-2', parseGenerationRequest({ prompt: 'x' })).callbackTimeoutMs, 5 * 60_000);
  assert.equal(input.stepStatusDelayMs, DEFAULT_STEP_STATUS_DELAY_MS);
  assert.equal(toWorkflowInput('gen-3', r, { ...DEFAULTS, stepStatusDelayMs: 0 }).stepStatusDelayMs, 0);
});

test('every invalid field is named', () => {
  const cases: [unknown, string][] = [
    [{}, 'prompt'],
    [{ prompt: 'x', kind: 'image2video' }, 'imageUrl'],
    [{ prompt: 'x', kind: 'image2video', imageUrl: 'https://a/b.png', aspectRatio: '1:1' }, 'aspectRatio'],
    [{ prompt: 'x', notifyUrl: 'ftp://a/b' }, 'notifyUrl'],
    [{ prompt: 'x', duration: '2' }, 'duration'],
    [{ prompt: 'x', model: 'gpt-video' }, 'model'],
    [{ prompt: 'x', deadline: 1 }, 'deadline'],
    [{ prompt: 'x', extra: true }, 'extra'],
    [{ prompt: 42 }, 'prompt'],
  ];
  for (const [body, field] of cases) {
    assert.throws(() => parseGenerationRequest(body), (err: unknown) => err instanceof ValidationError && err.message.includes(field), JSON.stringify(body));
  }
});

test('config: offline defaults, and a bad value names the variable', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.kling.simulated, true);
  assert.equal(c.kling.apiBase, 'http://127.0.0.1:4010');
  assert.equal(c.callback.timeoutMs, 300_000);
  assert.equal(c.generation.deadlineMs, 1_800_000);
  assert.equal(c.temporal.taskQueue, 'klingflow');
  assert.ok(c.download.allowedHosts.includes('127.0.0.1:4010'));
  const real = loadConfig({ KLING_ACCESS_KEY: 'a', KLING_SECRET_KEY: 'b' });
  assert.equal(real.kling.simulated, false);
  assert.equal(real.kling.apiBase, 'https://api-singapore.klingai.com');
  assert.ok(!real.download.allowedHosts.some((h) => h.startsWith('127.')));
  assert.throws(() => loadConfig({ PORT: 'eighty' }), (e: unknown) => e instanceof ConfigError && /PORT/.test(e.message));
  assert.throws(() => loadConfig({ CALLBACK_TIMEOUT: 'soon' }), /CALLBACK_TIMEOUT/);
  assert.throws(() => loadConfig({ CALLBACK_TIMEOUT: '0s' }), /CALLBACK_TIMEOUT/);
  // The step-status delay may be 0 (every step upserted at once), not negative or garbage.
  assert.equal(c.generation.stepStatusDelayMs, 10_000);
  assert.equal(loadConfig({ STEP_STATUS_DELAY: '0' }).generation.stepStatusDelayMs, 0);
  assert.equal(loadConfig({ STEP_STATUS_DELAY: '2500ms' }).generation.stepStatusDelayMs, 2_500);
  assert.throws(() => loadConfig({ STEP_STATUS_DELAY: '-1s' }), /STEP_STATUS_DELAY/);
  assert.throws(() => loadConfig({ STEP_STATUS_DELAY: 'later' }), /STEP_STATUS_DELAY/);
  assert.throws(() => loadConfig({ KLING_ACCESS_KEY: 'a' }), /KLING_SECRET_KEY/);
});

const img = (n: number) => `https://cdn.example/${n}.png`;

/** The issues of a rejected body, as "path: message" strings. */
function issuesOf(body: unknown): string[] {
  try {
    parseGenerationRequest(body);
  } catch (err) {
    assert.ok(err instanceof ValidationError, String(err));
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
}

function assertNames(body: unknown, field: string, pattern?: RegExp) {
  const issues = issuesOf(body);
  const hit = issues.find((i) => i.startsWith(`${field}: `));
  assert.ok(hit, `${JSON.stringify(body)} → ${JSON.stringify(issues)} names ${field}`);
  if (pattern) assert.match(hit, pattern);
}

test('every kind is accepted in a minimal valid form, and carried into the workflow input', () => {
  const cases: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ prompt: 'a fox' }, { prompt: 'a fox', kind: 'text2video' }],
    [
      { kind: 'image2video', imageUrl: img(1), imageTailUrl: img(2) },
      { prompt: '', kind: 'image2video', imageUrl: img(1), imageTailUrl: img(2) },
    ],
    [
      { kind: 'multi-image2video', prompt: 'two cats', imageUrls: [img(1), img(2)], aspectRatio: '9:16' },
      { prompt: 'two cats', kind: 'multi-image2video', imageUrls: [img(1), img(2)], aspectRatio: '9:16' },
    ],
    [{ kind: 'video-extend', videoId: 'v-123' }, { prompt: '', kind: 'video-extend', videoId: 'v-123' }],
    [
      { kind: 'lip-sync', videoId: 'v-1', audioUrl: 'https://cdn.example/a.mp3' },
      { prompt: '', kind: 'lip-sync', videoId: 'v-1', audioUrl: 'https://cdn.example/a.mp3', lipSyncMode: 'audio2video' },
    ],
    [
      { kind: 'lip-sync', videoUrl: 'https://cdn.example/v.mp4', text: 'hello', voiceId: 'oversea_male1', voiceLanguage: 'en' },
      { prompt: '', kind: 'lip-sync', videoUrl: 'https://cdn.example/v.mp4', lipSyncMode: 'text2video', text: 'hello', voiceId: 'oversea_male1', voiceLanguage: 'en' },
    ],
    [{ kind: 'effects', effectScene: 'squish', imageUrl: img(1) }, { prompt: '', kind: 'effects', effectScene: 'squish', imageUrl: img(1) }],
    [
      { kind: 'effects', effectScene: 'hug', imageUrls: [img(1), img(2)], model: 'kling-v1-6', mode: 'pro', duration: 5 },
      { prompt: '', kind: 'effects', effectScene: 'hug', imageUrls: [img(1), img(2)], model: 'kling-v1-6', mode: 'pro', duration: '5' },
    ],
  ];
  for (const [body, request] of cases) {
    const input = toWorkflowInput('gen-1', parseGenerationRequest(body));
    assert.equal(input.provider, 'kling');
    assert.deepEqual(input.request, request, JSON.stringify(body));
    assert.ok(!Object.values(input.request).includes(undefined));
  }
});

test('a missing required field is named, per kind', () => {
  assertNames({ kind: 'text2video', prompt: '   ' }, 'prompt', /required for text2video/);
  assertNames({ kind: 'image2video', prompt: 'x' }, 'imageUrl', /required for image2video/);
  assertNames({ kind: 'multi-image2video', prompt: 'x' }, 'imageUrls', /required/);
  assertNames({ kind: 'multi-image2video', imageUrls: [img(1)] }, 'prompt', /required for multi-image2video/);
  assertNames({ kind: 'multi-image2video', prompt: 'x', imageUrls: [1, 2, 3, 4, 5].map(img) }, 'imageUrls', /at most 4/);
  assertNames({ kind: 'multi-image2video', prompt: 'x', imageUrls: [] }, 'imageUrls', /at least 1/);
  assertNames({ kind: 'multi-image2video', prompt: 'x', imageUrls: ['ftp://a/b.png'] }, 'imageUrls.0', /http/);
  assertNames({ kind: 'video-extend', prompt: 'longer' }, 'videoId', /required for video-extend/);
  assertNames({ kind: 'video-extend', videoId: 'x'.repeat(65) }, 'videoId', /64/);
  assertNames({ kind: 'video-extend', videoId: '  ' }, 'videoId', /empty/);
  assertNames({ kind: 'lip-sync', audioUrl: 'https://a/b.mp3' }, 'videoId', /required for lip-sync \(or videoUrl\)/);
  assertNames({ kind: 'lip-sync', videoId: 'v', videoUrl: 'https://a/v.mp4', audioUrl: 'https://a/b.mp3' }, 'videoUrl', /not both|one of them/);
  assertNames({ kind: 'lip-sync', videoId: 'v', voiceId: 'x' }, 'text', /required for lip-sync mode text2video/);
  assertNames({ kind: 'lip-sync', videoId: 'v', text: 'hi' }, 'voiceId', /required/);
  assertNames({ kind: 'lip-sync', videoId: 'v', text: 'x'.repeat(121), voiceId: 'a' }, 'text', /120/);
  assertNames({ kind: 'lip-sync', videoId: 'v', lipSyncMode: 'audio2video' }, 'audioUrl', /required for lip-sync mode audio2video/);
  assertNames({ kind: 'lip-sync', videoId: 'v', audioUrl: 'file:///etc/passwd' }, 'audioUrl', /http/);
  assertNames({ kind: 'lip-sync', videoId: 'v', text: 'hi', voiceId: 'a', voiceLanguage: 'fr' }, 'voiceLanguage');
  assertNames({ kind: 'effects', imageUrl: img(1) }, 'effectScene', /required for effects/);
  assertNames({ kind: 'effects', effectScene: 'Hug!', imageUrl: img(1) }, 'effectScene', /lowercase/);
  assertNames({ kind: 'effects', effectScene: 'x'.repeat(41), imageUrl: img(1) }, 'effectScene');
  assertNames({ kind: 'effects', effectScene: 'squish' }, 'imageUrl', /required for effects/);
  assertNames({ kind: 'effects', effectScene: 'kiss' }, 'imageUrls', /required for the kiss effect/);
  assertNames({ kind: 'effects', effectScene: 'hug', imageUrl: img(1) }, 'imageUrl', /two images/);
  assertNames({ kind: 'effects', effectScene: 'hug', imageUrls: [img(1)] }, 'imageUrls', /exactly 2/);
  assertNames({ kind: 'effects', effectScene: 'squish', imageUrl: img(1), imageUrls: [img(1), img(2)] }, 'imageUrls');
  assertNames({ kind: 'dance', prompt: 'x' }, 'kind');
});

test('fields the kind does not use are rejected by name', () => {
  assertNames({ prompt: 'x', videoId: 'v' }, 'videoId', /^videoId: is not used by text2video \(only by video-extend, lip-sync\)$/);
  assertNames({ prompt: 'x', imageUrl: img(1) }, 'imageUrl', /not used by text2video/);
  assertNames({ prompt: 'x', imageUrls: [img(1)] }, 'imageUrls', /not used by text2video/);
  assertNames({ prompt: 'x', effectScene: 'hug' }, 'effectScene', /not used by text2video/);
  assertNames({ prompt: 'x', text: 'hi' }, 'text', /not used by text2video/);
  assertNames({ prompt: 'x', keepOriginalSound: true }, 'keepOriginalSound', /only supported by provider runblob/);
  assertNames({ kind: 'image2video', imageUrl: img(1), imageUrls: [img(2)] }, 'imageUrls', /not used by image2video/);
  assertNames({ kind: 'multi-image2video', prompt: 'x', imageUrls: [img(1)], imageUrl: img(2) }, 'imageUrl', /not used by multi-image2video/);
  assertNames({ kind: 'multi-image2video', prompt: 'x', imageUrls: [img(1)], imageTailUrl: img(2) }, 'imageTailUrl', /not used by multi-image2video/);
  for (const [field, value] of [
    ['imageUrl', img(1)],
    ['imageUrls', [img(1)]],
    ['model', 'kling-v1'],
    ['mode', 'pro'],
    ['duration', 5],
    ['aspectRatio', '16:9'],
  ] as const) {
    assertNames({ kind: 'video-extend', videoId: 'v', [field]: value }, field, /not used by video-extend/);
    assertNames({ kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3', [field]: value }, field, /not used by lip-sync/);
  }
  assertNames({ kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3', negativePrompt: 'blur' }, 'negativePrompt', /not used by lip-sync/);
  assertNames({ kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3', text: 'hi' }, 'text', /not used by lip-sync mode audio2video/);
  assertNames({ kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3', voiceLanguage: 'en' }, 'voiceLanguage', /not used by lip-sync mode audio2video/);
  assertNames({ kind: 'lip-sync', videoId: 'v', lipSyncMode: 'text2video', text: 'hi', voiceId: 'a', audioUrl: 'https://a/b.mp3' }, 'audioUrl', /not used by lip-sync mode text2video/);
  assertNames({ kind: 'effects', effectScene: 'squish', imageUrl: img(1), negativePrompt: 'x' }, 'negativePrompt', /not used by effects/);
  assertNames({ kind: 'effects', effectScene: 'squish', imageUrl: img(1), aspectRatio: '1:1' }, 'aspectRatio', /not used by effects/);
  assertNames({ prompt: 'x', lipSyncMode: 'text2video' }, 'lipSyncMode', /not used by text2video/);
  assertNames({ prompt: 'x', model: 'kling_o3' }, 'model', /RunBlob model/);
  // Every unused field is reported, not only the first.
  const issues = issuesOf({ prompt: 'x', videoId: 'v', audioUrl: 'https://a/b.mp3', effectScene: 'hug' });
  assert.deepEqual(issues.map((i) => i.split(':')[0]).sort(), ['audioUrl', 'effectScene', 'videoId']);
  // prompt is accepted (and ignored by the Kling body) for lip-sync and effects.
  assert.equal(parseGenerationRequest({ kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3', prompt: 'talk' }).prompt, 'talk');
});

test('provider runblob: text2video and image2video only, its own durations, models and fields', () => {
  const r = parseGenerationRequest({ provider: 'runblob', prompt: 'a fox', duration: 15, model: 'kling_o3_pro', keepOriginalSound: true, aspectRatio: '9:16', mode: 'pro' });
  const input = toWorkflowInput('gen-r', r);
  assert.equal(input.provider, 'runblob');
  assert.deepEqual(input.request, { prompt: 'a fox', kind: 'text2video', duration: '15', model: 'kling_o3_pro', keepOriginalSound: true, aspectRatio: '9:16', mode: 'pro' });
  const images = parseGenerationRequest({ provider: 'runblob', kind: 'image2video', prompt: 'p', imageUrl: img(0), imageUrls: [1, 2, 3, 4].map(img) });
  assert.equal(images.imageUrls?.length, 4);
  parseGenerationRequest({ provider: 'runblob', kind: 'image2video', prompt: 'p', imageUrls: [img(1)], aspectRatio: '1:1' });

  assertNames({ provider: 'runblob', kind: 'lip-sync', videoId: 'v', audioUrl: 'https://a/b.mp3' }, 'kind', /not offered by provider runblob/);
  assertNames({ provider: 'runblob', kind: 'effects', effectScene: 'hug', imageUrls: [img(1), img(2)] }, 'kind');
  assertNames({ provider: 'runblob', kind: 'image2video', imageUrl: img(1) }, 'prompt', /required for provider runblob/);
  assertNames({ provider: 'runblob', prompt: 'x'.repeat(2501) }, 'prompt', /2500/);
  assertNames({ provider: 'runblob', kind: 'image2video', prompt: 'p' }, 'imageUrl', /required for image2video/);
  assertNames({ provider: 'runblob', kind: 'image2video', prompt: 'p', imageUrl: img(0), imageUrls: [1, 2, 3, 4, 5].map(img) }, 'imageUrls', /at most 5/);
  assertNames({ provider: 'runblob', kind: 'image2video', prompt: 'p', imageUrls: [1, 2, 3, 4, 5, 6].map(img) }, 'imageUrls', /at most 5/);
  assertNames({ provider: 'runblob', prompt: 'p', imageUrl: img(1) }, 'imageUrl', /not used by text2video/);
  for (const d of [3, 8, '12']) assertNames({ provider: 'runblob', prompt: 'p', duration: d }, 'duration', /5, 10 or 15/);
  assertNames({ provider: 'runblob', prompt: 'p', model: 'kling-v2-master' }, 'model', /kling_o3 or kling_o3_pro/);
  assertNames({ provider: 'runblob', prompt: 'p', negativePrompt: 'blur' }, 'negativePrompt', /not supported by provider runblob/);
  assertNames({ provider: 'runblob', kind: 'image2video', prompt: 'p', imageUrl: img(1), imageTailUrl: img(2) }, 'imageTailUrl', /not supported by provider runblob/);
  assertNames({ provider: 'runblob', prompt: 'p', keepOriginalSound: 'yes' }, 'keepOriginalSound');
  assertNames({ provider: 'fal', prompt: 'p' }, 'provider');
});

test('config: RunBlob is simulated only in the keyless demo, and off with real Kling keys alone', () => {
  const demo = loadConfig({});
  assert.deepEqual([demo.runblob.simulated, demo.runblob.enabled, demo.runblob.apiBase], [true, true, 'http://127.0.0.1:4010']);
  const klingOnly = loadConfig({ KLING_ACCESS_KEY: 'a', KLING_SECRET_KEY: 'b' });
  assert.deepEqual([klingOnly.runblob.simulated, klingOnly.runblob.enabled], [false, false]);
  const both = loadConfig({ KLING_ACCESS_KEY: 'a', KLING_SECRET_KEY: 'b', RUNBLOB_API_KEY: 'rb' });
  assert.deepEqual([both.runblob.enabled, both.runblob.apiBase], [true, 'https://platform.runblob.io']);
});
