// The CLI's pure text: the live progress line, plain status lines, the list table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  describeState,
  formatAge,
  formatElapsed,
  renderBar,
  renderListTable,
  renderProgressLine,
  rowStatus,
  statusLine,
  transitionLine,
  truncate,
  type ListRow,
} from '../../src/cli/format.js';
import type { GenerationState } from '../../workflows/types.js';

test('formatElapsed: tenths under a minute, then minutes and seconds, then hours and minutes', () => {
  assert.equal(formatElapsed(0), '0.0s');
  assert.equal(formatElapsed(12_345), '12.3s');
  assert.equal(formatElapsed(125_000), '2m05s');
  assert.equal(formatElapsed(3_720_000), '1h02m');
  assert.equal(formatElapsed(-5), '0.0s');
});

test('renderBar: always `width` cells, filled with eighth-cell precision, clamped to 0–100', () => {
  assert.equal(renderBar(0, 10), '░'.repeat(10));
  assert.equal(renderBar(100, 10), '█'.repeat(10));
  assert.equal(renderBar(50, 10), '█████░░░░░');
  assert.equal(renderBar(55, 10), '█████▌░░░░');
  assert.equal(renderBar(150, 4), '████');
  assert.equal(renderBar(-3, 4), '░░░░');
  assert.equal(renderBar(Number.NaN, 4), '░░░░');
  for (let p = 0; p <= 100; p += 7) assert.equal([...renderBar(p, 17)].length, 17, `at ${p}%`);
});

test('renderProgressLine: spinner, status, bar, percent, elapsed', () => {
  const line = renderProgressLine({ status: 'polling', progress: 40, elapsedMs: 12_400, frame: 2, columns: 80 });
  assert.equal(line, `⠹ polling     ${'█'.repeat(12)}${'░'.repeat(18)}  40%  12.4s`);
  // the spinner turns with the frame; negative or huge frames stay in range
  assert.ok(renderProgressLine({ status: 'waiting', progress: 0, elapsedMs: 0, frame: 3 }).startsWith('⠸ waiting'));
  assert.ok(renderProgressLine({ status: 'waiting', progress: 0, elapsedMs: 0, frame: -1 }).startsWith('⠏ '));
  assert.ok(renderProgressLine({ status: 'waiting', progress: 0, elapsedMs: 0, frame: 1e9 + 1 }).startsWith('⠙ '));
});

test('renderProgressLine: ✔ / ✖ when done', () => {
  assert.match(renderProgressLine({ status: 'completed', progress: 100, elapsedMs: 3_000, frame: 0, done: 'ok' }), /^✔ completed\s+█{30} 100%  3\.0s$/);
  assert.match(renderProgressLine({ status: 'failed', progress: 20, elapsedMs: 3_000, frame: 0, done: 'failed' }), /^✖ failed /);
});

test('renderProgressLine: fits the terminal, never wraps; no bar when there is no room', () => {
  for (const columns of [120, 60, 40, 30, 20, 10]) {
    const line = renderProgressLine({ status: 'downloading', progress: 70, elapsedMs: 65_000, frame: 0, columns });
    assert.ok([...line].length <= columns - 1, `${columns}: ${line}`);
  }
  assert.ok(renderProgressLine({ status: 'polling', progress: 10, elapsedMs: 0, frame: 0, columns: 60 }).includes('█'));
  assert.equal(renderProgressLine({ status: 'polling', progress: 10, elapsedMs: 0, frame: 0, columns: 30 }), '⠋ polling  10%  0.0s');
  // a pseudo-terminal that reports 0 columns gets the default width
  assert.ok(renderProgressLine({ status: 'polling', progress: 10, elapsedMs: 0, frame: 0, columns: 0 }).includes('░'));
  assert.equal(/[\x00-\x1f]/.test(renderProgressLine({ status: 'polling', progress: 10, elapsedMs: 0, frame: 0 })), false);
});

test('statusLine (not a terminal): elapsed, id, status, progress and the provider task', () => {
  assert.equal(statusLine('gen-1', { status: 'submitting', progress: 0, provider: 'kling', providerTaskId: null }, 500), '[   0.5s] gen-1  submitting');
  assert.equal(statusLine('gen-1', { status: 'completed', progress: 100, provider: 'kling', providerTaskId: '42' }, 12_000), '[  12.0s] gen-1  completed 100%  (Kling task 42)');
  assert.equal(statusLine('gen-1', { status: 'polling', progress: 5, provider: 'runblob', providerTaskId: 'rb-1' }, 0), '[   0.0s] gen-1  polling 5%  (RunBlob task rb-1)');
  assert.equal(transitionLine('waiting', 1_500, 'Kling task 42'), '    1.5s  waiting     Kling task 42');
  assert.equal(transitionLine('storing', 61_000), '   1m01s  storing');
});

const completed: GenerationState = {
  id: 'gen-1',
  status: 'completed',
  provider: 'kling',
  providerTaskId: '800000000000000001',
  progress: 100,
  prompt: 'a red fox\nrunning through snow',
  video: { uri: 'file:///data/videos/gen-1.mp4', bytes: 2284, sha256: 'ab'.repeat(32), contentType: 'video/mp4' },
  notification: 'skipped',
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:09.000Z',
};

test('describeState: the present fields, aligned; absent ones left out', () => {
  assert.equal(
    describeState(completed),
    [
      'gen-1',
      '  status    completed (100%)',
      '  provider  kling',
      '  task      800000000000000001',
      '  prompt    a red fox running through snow',
      '  created   2025-01-01T00:00:00.000Z',
      '  updated   2025-01-01T00:00:09.000Z',
      '  video     file:///data/videos/gen-1.mp4',
      '  bytes     2284',
      `  sha256    ${'ab'.repeat(32)}`,
      '  notified  skipped',
    ].join('\n'),
  );
  const failed = describeState({ ...completed, status: 'failed', progress: 0, video: undefined, providerTaskId: null, error: { code: 'KlingContentPolicy', message: 'refused' } });
  assert.match(failed, /^ {2}status {4}failed$/m);
  assert.match(failed, /^ {2}error {5}KlingContentPolicy: refused$/m);
  assert.doesNotMatch(failed, /task|sha256/);
});

const rows: ListRow[] = [
  {
    id: 'gen-aaa',
    status: 'completed',
    provider: 'kling',
    providerTaskId: '800000000000000001',
    startedAt: '2025-01-01T11:58:00.000Z',
    closedAt: '2025-01-01T11:58:09.000Z',
    summary: 'text2video: a red fox running through snow',
    executionStatus: 'COMPLETED',
  },
  { id: 'gen-bb', status: 'polling', provider: 'runblob', providerTaskId: null, startedAt: '2025-01-01T11:59:30.000Z', closedAt: null, summary: null, executionStatus: 'RUNNING' },
];
const now = Date.parse('2025-01-01T12:00:00.000Z');

test('renderListTable: a header and aligned columns; missing values as -', () => {
  assert.equal(
    renderListTable(rows, { now }),
    [
      'ID       STATUS     PROVIDER  TASK                STARTED  PROMPT',
      'gen-aaa  completed  kling     800000000000000001  2m ago   text2video: a red fox running through snow',
      'gen-bb   polling    runblob   -                   30s ago  -',
    ].join('\n'),
  );
});

test('renderListTable: lines are cut to a terminal width', () => {
  const lines = renderListTable(rows, { now, columns: 60 }).split('\n');
  assert.ok(lines.every((l) => [...l].length <= 59));
  assert.ok(lines[1]!.endsWith('…'));
});

test('rowStatus: the search attribute, unless Temporal itself ended the run', () => {
  assert.equal(rowStatus('RUNNING', 'polling'), 'polling');
  assert.equal(rowStatus('COMPLETED', 'completed'), 'completed');
  assert.equal(rowStatus('FAILED', 'timed_out'), 'timed_out');
  assert.equal(rowStatus('FAILED', 'downloading'), 'failed');
  assert.equal(rowStatus('CANCELLED', 'polling'), 'cancelled');
  assert.equal(rowStatus('TERMINATED', 'waiting'), 'terminated');
  assert.equal(rowStatus('TIMED_OUT', undefined), 'timed_out');
  assert.equal(rowStatus('RUNNING', undefined), 'submitting');
});

test('formatAge and truncate', () => {
  assert.equal(formatAge(45_000), '45s ago');
  assert.equal(formatAge(3 * 60_000), '3m ago');
  assert.equal(formatAge(2 * 3_600_000), '2h ago');
  assert.equal(formatAge(4 * 86_400_000), '4d ago');
  assert.equal(formatAge(-10), '0s ago');
  assert.equal(truncate('abcdef', 4), 'abc…');
  assert.equal(truncate('abc', 4), 'abc');
  assert.equal(truncate('█████', 3), '██…');
});
