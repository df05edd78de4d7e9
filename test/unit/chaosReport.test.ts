import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReport, formatReport, percentile, type ScenarioResult } from '../../src/chaos/report.js';

const clean = (over: Partial<ScenarioResult> = {}): ScenarioResult => ({
  scenario: 's', fault: 'f', started: 4, completed: 4, failedByProvider: 0, otherTerminal: 0, lost: 0, duplicateProviderTasks: 0,
  duplicateDownloads: 0, duplicateStoredObjects: 0, duplicateNotifications: 0, missedNotifications: 0, missingOrCorruptVideos: 0,
  notificationRedeliveries: 2, timesToTerminalMs: [1000, 2000, 3000, 10_000], ...over,
});

test('percentiles', () => {
  assert.equal(percentile([], 50), null);
  assert.equal(percentile([5, 1, 3], 50), 3);
  assert.equal(percentile([1, 2, 3, 4, 100], 99), 100);
});

test('a clean run passes; any loss or duplicate fails it', () => {
  assert.equal(buildReport([clean(), clean({ scenario: 't' })]).passed, true);
  for (const key of ['lost', 'otherTerminal', 'duplicateProviderTasks', 'duplicateDownloads', 'duplicateStoredObjects', 'duplicateNotifications', 'missedNotifications', 'missingOrCorruptVideos'] as const) {
    assert.equal(buildReport([clean(), clean({ [key]: 1 })]).passed, false, key);
  }
  assert.equal(buildReport([]).passed, false, 'a run that started nothing proves nothing');
  assert.equal(buildReport([clean({ notificationRedeliveries: 9 })]).passed, true, 'redeliveries of one webhook-id are at-least-once, not duplicates');
});

test('totals add up and the table names every scenario', () => {
  const report = buildReport([clean(), clean({ scenario: 'other', started: 2, completed: 2, timesToTerminalMs: [500, 700] })]);
  assert.equal(report.totals.started, 6);
  assert.equal(report.totals.p50Ms, 1000);
  const table = formatReport(report);
  assert.match(table, /^scenario/);
  assert.match(table, /other/);
  assert.match(table, /TOTAL/);
  assert.match(table, /verdict: PASS/);
});
