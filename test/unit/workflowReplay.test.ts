// Workflow code changes must not break generations already running: a history recorded by an
// earlier version replays against today's workflow without a nondeterminism error.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { workflowBundle } from '../../src/temporal/worker.js';

function installRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Another test file in this process installed it already.
  }
}

type RecordedHistory = {
  events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } }; markerRecordedEventAttributes?: { markerName?: string }; upsertWorkflowSearchAttributesEventAttributes?: unknown; timerFiredEventAttributes?: unknown }[];
};
const recorded = async (name: string) => JSON.parse(await readFile(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as RecordedHistory;

test('a generation recorded when task reads were activities replays now that they are local', { timeout: 120_000 }, async () => {
  installRuntime();
  const history = await recorded('history-before-local-reads.json');
  // The recording really has the old shape: getTask as a scheduled activity.
  assert.ok(history.events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getTask'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded');
});

test('a generation recorded behind the local-task-reads patch (no revision in its input) replays', { timeout: 120_000 }, async () => {
  installRuntime();
  const history = await recorded('history-local-reads-patch.json');
  // The recording really has that shape: a patch marker, and no getTask activity.
  assert.ok(history.events.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch'));
  assert.ok(!history.events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'getTask'));
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded-patch');
});

test('a generation of revision 2 (task id and waiting status as two upserts) replays', { timeout: 120_000 }, async () => {
  installRuntime();
  const history = await recorded('history-revision-2.json');
  const upserts = history.events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length;
  assert.equal(upserts, 6, 'the recording has the revision-2 shape');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded-revision-2');
});

test('a generation of revision 3 (task id with the waiting status, one upsert) replays', { timeout: 120_000 }, async () => {
  installRuntime();
  const history = await recorded('history-revision-3.json');
  assert.equal(history.events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length, 5, 'the recording has the revision-3 shape');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded-revision-3');
});

test('a generation of revision 4 (its notify step outlasted the step-status delay) replays', { timeout: 120_000 }, async () => {
  installRuntime();
  const history = await recorded('history-revision-4.json');
  // The recording has that shape: waiting + task id, then notifying when the delay's timer
  // fired during the notification, then completed.
  assert.equal(history.events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes).length, 3, 'three upserts');
  assert.ok(history.events.some((e) => e.timerFiredEventAttributes), 'a fired timer');
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, historyFromJSON(history), 'gen-recorded-revision-4');
});
