import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRunBlobBody, runblobError, runblobToUpdate, toRunBlobBody } from '../../src/providers/runblob.js';

const at = new Date('2026-01-01T00:00:00Z');

test('a completed callback becomes a succeeded update with the video', () => {
  const parsed = parseRunBlobBody({ generation_id: 'b3f1c9e2-1111-4a4a-9c9c-000000000001', status: 'completed', video_url: 'https://cdn.runblob.io/v.mp4', model: 'kling_o3', message: null, extra: 1 });
  assert.ok(parsed.ok);
  const u = runblobToUpdate(parsed.value, 'callback', at);
  assert.deepEqual([u.provider, u.status, u.videos], ['runblob', 'succeeded', [{ url: 'https://cdn.runblob.io/v.mp4' }]]);
});

test('error codes: final, retryable, timed out', () => {
  for (const code of ['CONTENT_POLICY_VIOLATION', 'IMAGE_INACCESSIBLE', 'INVALID_IMAGE']) {
    const e = runblobError(code);
    assert.equal(e.retryable, undefined, code);
    assert.equal(e.timedOut, undefined, code);
  }
  for (const code of ['TASK_FAILED', 'MAINTENANCE']) assert.equal(runblobError(code).retryable, true, code);
  assert.equal(runblobError('TIMEOUT').timedOut, true);
  const parsed = parseRunBlobBody({ generation_id: 'g', status: 'failed', video_url: null, model: 'kling_o3', message: 'INVALID_IMAGE' });
  assert.ok(parsed.ok);
  assert.equal(runblobToUpdate(parsed.value, 'callback', at).error?.code, 'INVALID_IMAGE');
});

test('bad bodies name the field; status polling shapes parse', () => {
  const bad = parseRunBlobBody({ generation_id: 'g', status: 'done' });
  assert.ok(!bad.ok && bad.error.includes('status'));
  const missing = parseRunBlobBody({ status: 'completed' });
  assert.ok(!missing.ok && missing.error.includes('generation_id'));
  const pending = parseRunBlobBody({ generation_id: 'g', status: 'pending', video_url: null, model: 'kling_o3', prompt: 'x' });
  assert.ok(pending.ok);
  assert.equal(runblobToUpdate(pending.value, 'poll', at).status, 'submitted');
});

test('request body: images, duration default, model from mode', () => {
  assert.deepEqual(toRunBlobBody({ prompt: 'p', kind: 'image2video', imageUrl: 'https://a/b.png', mode: 'pro' }, 'https://cb'), {
    prompt: 'p', images_url: ['https://a/b.png'], duration: '5', model: 'kling_o3_pro', callback_url: 'https://cb',
  });
});
