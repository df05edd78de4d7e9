// Workflow code changes must not break generations already running: a history recorded by an
// earlier version replays against today's workflow without a nondeterminism error.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker.js';

test('a generation recorded when task reads were activities replays now that they are local', { timeout: 120_000 }, async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Another test file in this process installed it already.
  }
  const history = JSON.parse(await readFile(new URL('../fixtures/history-before-local-reads.json', import.meta.url), 'utf8')) as { events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[] };
  // The recording really has the old shape: getTask as a scheduled activity.
  assert.ok(history.events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getTask'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded');
});
