// The CI-sized chaos run: the same harness as `npm run chaos`, fewer generations, the
// cheaper faults (a worker SIGKILL mid-download included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatReport } from '../../src/chaos/report.js';
import { runChaos } from '../../src/chaos/run.js';
import { CI_SCENARIOS } from '../../src/chaos/scenarios.js';

test('chaos (CI size): nothing lost, nothing duplicated', { timeout: 600_000 }, async () => {
  const lines: string[] = [];
  const report = await runChaos({ generations: CI_SCENARIOS.length * 2, scenarios: CI_SCENARIOS, log: (l) => lines.push(l) });
  const table = formatReport(report);
  assert.equal(report.totals.started, CI_SCENARIOS.length * 2, table);
  assert.equal(report.totals.lost, 0, `${table}\n${lines.join('\n')}`);
  assert.equal(report.totals.completed, report.totals.started, table);
  assert.equal(report.passed, true, table);
});
