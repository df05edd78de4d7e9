import assert from 'node:assert/strict';
import { test } from 'node:test';
import { klingTaskToUpdate, parseKlingTaskBody } from '../../src/providers/klingPayload.js';

const task = {
  task_id: '842250903629086785',
  task_status: 'succeed',
  task_status_msg: '',
  task_info: { external_task_id: 'gen-1' },
  created_at: 1722769557708,
  updated_at: 1722769621000,
  task_result: { videos: [{ id: 'v1', url: 'https://cdn.klingai.com/a.mp4', duration: '5.1' }] },
};
const at = new Date('2026-01-01T00:00:00Z');

test('a bare task object becomes a succeeded TaskUpdate with its video', () => {
  const parsed = parseKlingTaskBody(task);
  assert.ok(parsed.ok);
  assert.deepEqual(klingTaskToUpdate(parsed.value, 'callback', at), {
    provider: 'kling',
    taskId: '842250903629086785',
    status: 'succeeded',
    progress: 100,
    videos: [{ id: 'v1', url: 'https://cdn.klingai.com/a.mp4', durationSec: 5.1 }],
    source: 'callback',
    receivedAt: at.toISOString(),
  });
});

test('the {code,message,data} wrapper some gateways add is accepted', () => {
  const parsed = parseKlingTaskBody({ code: 0, message: 'SUCCEED', request_id: 'x', data: task });
  assert.ok(parsed.ok);
  assert.equal(parsed.value.task_id, task.task_id);
});

test('unknown extra fields are kept and numbers may be strings or numbers', () => {
  const parsed = parseKlingTaskBody({ ...task, task_id: 842250903629086, created_at: '1722769557708', brand_new_field: { a: 1 } });
  assert.ok(parsed.ok);
  assert.equal(parsed.value.task_id, '842250903629086');
  assert.equal((parsed.value as Record<string, unknown>).brand_new_field !== undefined, true);
});

test('a failed task carries its reason; processing has no video', () => {
  const failed = parseKlingTaskBody({ task_id: '1', task_status: 'failed', task_status_msg: 'Failure to pass the risk control system' });
  assert.ok(failed.ok);
  const update = klingTaskToUpdate(failed.value, 'poll', at);
  assert.equal(update.status, 'failed');
  assert.deepEqual(update.error, { code: 'PROVIDER_TASK_FAILED', message: 'Failure to pass the risk control system' });
  const processing = parseKlingTaskBody({ task_id: '1', task_status: 'processing' });
  assert.ok(processing.ok);
  assert.equal(klingTaskToUpdate(processing.value, 'callback', at).videos, undefined);
});

test('bad bodies name the field', () => {
  const cases: [unknown, RegExp][] = [
    [null, /object/],
    ['text', /object/],
    [{ task_status: 'succeed' }, /task_id/],
    [{ task_id: '1', task_status: 'done' }, /task_status/],
    [{ task_id: '1', task_status: 'succeed', task_result: { videos: [{ url: 'not-a-url' }] } }, /task_result\.videos\.0\.url/],
    [{ code: 0, data: { task_id: '1' } }, /data\.task_status/],
  ];
  for (const [body, pattern] of cases) {
    const parsed = parseKlingTaskBody(body);
    assert.ok(!parsed.ok, JSON.stringify(body));
    assert.match(parsed.error, pattern);
  }
});
