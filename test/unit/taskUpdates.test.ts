import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTerminalTask, supersedes } from '../../workflows/taskUpdates.js';
import type { TaskStatus, TaskUpdate } from '../../workflows/types.js';

const u = (status: TaskStatus, extra: Partial<TaskUpdate> = {}): TaskUpdate => ({
  provider: 'kling', taskId: 't1', status, source: 'callback', receivedAt: '2026-01-01T00:00:00Z', ...extra,
});

test('updates only move forward', () => {
  assert.equal(supersedes(undefined, u('processing'), 't1'), true);
  assert.equal(supersedes(u('submitted'), u('processing'), 't1'), true);
  assert.equal(supersedes(u('processing'), u('succeeded'), 't1'), true);
  assert.equal(supersedes(u('processing'), u('submitted'), 't1'), false, 'backwards');
  assert.equal(supersedes(u('succeeded'), u('processing'), 't1'), false, 'reordered: processing after the end');
  assert.equal(supersedes(u('succeeded'), u('succeeded'), 't1'), false, 'duplicate terminal');
  assert.equal(supersedes(u('succeeded'), u('failed'), 't1'), false, 'a terminal state is final');
  assert.equal(supersedes(u('processing'), u('processing'), 't1'), false, 'duplicate');
});

test('progress within the same status counts as news, going back does not', () => {
  assert.equal(supersedes(u('processing', { progress: 10 }), u('processing', { progress: 40 }), 't1'), true);
  assert.equal(supersedes(u('processing', { progress: 40 }), u('processing', { progress: 10 }), 't1'), false);
});

test("another task's updates are ignored once ours is known, accepted before", () => {
  assert.equal(supersedes(undefined, u('succeeded', { taskId: 'other' }), 't1'), false);
  assert.equal(supersedes(undefined, u('succeeded', { taskId: 'other' }), undefined), true);
});

test('terminal statuses', () => {
  assert.deepEqual((['submitted', 'processing', 'succeeded', 'failed', 'cancelled'] as const).map((s) => isTerminalTask(u(s))), [false, false, true, true, true]);
  assert.equal(isTerminalTask(undefined), false);
});
