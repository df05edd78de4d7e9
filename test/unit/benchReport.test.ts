import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { rssOf } from '../../src/bench/children.js';
import { cpuMsOf } from '../../src/bench/cpu.js';
import {
  combineLoads,
  exitCode,
  figure,
  formatMarkdown,
  formatNumber,
  formatTable,
  judge,
  latencyStats,
  mbPerSecond,
  median,
  naivePollingCalls,
  perSecond,
  ratioOf,
  summarize,
  type BenchmarkResult,
  type BenchReport,
} from '../../src/bench/report.js';

test('ratio of a figure to its baseline; nothing to divide by gives null', () => {
  assert.equal(ratioOf(80, 100), 0.8);
  assert.equal(ratioOf(null, 100), null);
  assert.equal(ratioOf(80, null), null);
  assert.equal(ratioOf(80, undefined), null);
  assert.equal(ratioOf(80, 0), null);
  assert.equal(ratioOf(Infinity, 1), null);
});

test('goals are judged on the value or on the ratio, with each comparison', () => {
  assert.equal(judge({ on: 'ratio', op: '>=', target: 0.8 }, 79, 0.79), false);
  assert.equal(judge({ on: 'ratio', op: '>=', target: 0.8 }, 80, 0.8), true);
  assert.equal(judge({ on: 'value', op: '<', target: 50 }, 50, 2), false);
  assert.equal(judge({ on: 'value', op: '<', target: 50 }, 49.9, 2), true);
  assert.equal(judge({ on: 'value', op: '<=', target: 100 }, 100, null), true);
  assert.equal(judge({ on: 'value', op: '>', target: 0 }, 0, null), false);
  assert.equal(judge(undefined, 1, 1), null, 'no goal, no verdict');
  assert.equal(judge({ on: 'ratio', op: '>=', target: 0.7 }, 5, null), null, 'a ratio goal without a baseline cannot be judged');
});

test('figure() fills in the ratio and the verdict', () => {
  const f = figure({ name: 'callbacks/s', unit: 'req/s', value: 900, baseline: { name: 'raw', value: 1000 }, goal: { on: 'ratio', op: '>=', target: 0.8 } });
  assert.equal(f.ratio, 0.9);
  assert.equal(f.met, true);
  const slow = figure({ name: 'p99', unit: 'ms', value: 60, baseline: { name: 'raw', value: 20 }, goal: { on: 'value', op: '<', target: 50 } });
  assert.equal(slow.ratio, 3);
  assert.equal(slow.met, false);
  assert.equal(figure({ name: 'x', unit: 'ms', value: 1 }).met, null);
});

test('latency percentiles (nearest rank), mean and max', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1).reverse();
  const s = latencyStats(values);
  assert.deepEqual(s, { count: 100, p50: 50, p99: 99, max: 100, mean: 50.5 });
  assert.deepEqual(latencyStats([]), { count: 0, p50: null, p99: null, max: null, mean: null });
  assert.equal(latencyStats([7]).p99, 7);
});

test('runs taken in turns add up: all requests over all the time spent', () => {
  const sum = combineLoads([
    { latencies: [1, 2, 3], failed: 1, elapsedMs: 1000 },
    { latencies: [4, 5, 6, 7], failed: 0, elapsedMs: 1000 },
  ]);
  assert.equal(sum.ok, 7);
  assert.equal(sum.failed, 1);
  assert.equal(sum.elapsedMs, 2000);
  assert.equal(sum.perSecond, 3.5);
  assert.equal(sum.latency.p50, 4);
  assert.equal(combineLoads([]).perSecond, null);
});

test('rates: per second and MB/s', () => {
  assert.equal(perSecond(500, 2000), 250);
  assert.equal(perSecond(5, 0), null);
  assert.equal(mbPerSecond(1e9, 2000), 500);
  assert.equal(mbPerSecond(1, 0), null);
});

test('median: the middle round, the mean of the two middle ones for an even count, not swayed by one outlier', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([500, 520, 480, 700]), 510);
  assert.equal(median([7]), 7);
  assert.equal(median([]), null);
  const rounds = [510, 505, 498, 660];
  assert.ok(median(rounds)! < Math.max(...rounds), 'a lucky round does not decide it');
});

test('a naive poller: one create, then a read every interval until one sees the end', () => {
  assert.equal(naivePollingCalls(120_000, 5_000), 25);
  assert.equal(naivePollingCalls(121_000, 5_000), 26);
  assert.equal(naivePollingCalls(1, 5_000), 2);
});

const bench = (over: Partial<BenchmarkResult> = {}): BenchmarkResult => ({
  name: 'intake',
  title: 'Callback intake',
  command: 'npm run bench -- --only intake',
  status: 'ok',
  durationMs: 1000,
  figures: [
    figure({ name: 'callbacks/s', unit: 'req/s', value: 900, baseline: { name: 'raw signals', value: 1000 }, goal: { on: 'ratio', op: '>=', target: 0.8 } }),
    figure({ name: 'ack p99 at 200/s', unit: 'ms', value: 60, baseline: { name: 'raw p99', value: 20 }, goal: { on: 'value', op: '<', target: 50 }, note: '3 requests failed' }),
    figure({ name: 'vs empty route', unit: 'req/s', value: 900, baseline: { name: 'empty route', value: 3000 } }),
  ],
  ...over,
});

const report = (benchmarks: BenchmarkResult[]): BenchReport => ({
  generatedAt: '2025-01-01T00:00:00.000Z',
  quick: false,
  machine: { cpus: 2, cpuModel: 'test', memoryGiB: 24, node: 'v20', platform: 'linux', loadAverage: { atStart: [0, 0, 0], atEnd: [0, 0, 0] } },
  benchmarks,
  summary: summarize(benchmarks),
});

test('the summary counts goals met and unmet, and crashes', () => {
  const crashed = bench({ name: 'download', title: 'Download', status: 'crashed', error: 'boom', figures: [] });
  assert.deepEqual(summarize([bench(), crashed]), { goals: 2, met: 1, unmet: 1, crashed: 1 });
  const unjudged = bench({ figures: [figure({ name: 'x', unit: 'ms', value: null, goal: { on: 'value', op: '<', target: 1 } })] });
  assert.equal(summarize([unjudged]).unmet, 1, 'a goal that could not be judged is not met');
});

test('exit code: 0 unless a benchmark crashed; --strict also fails on unmet goals', () => {
  assert.equal(exitCode({ goals: 2, met: 1, unmet: 1, crashed: 0 }, false), 0);
  assert.equal(exitCode({ goals: 2, met: 1, unmet: 1, crashed: 0 }, true), 1);
  assert.equal(exitCode({ goals: 2, met: 2, unmet: 0, crashed: 0 }, true), 0);
  assert.equal(exitCode({ goals: 2, met: 2, unmet: 0, crashed: 1 }, false), 1);
});

test('the table shows every figure with its baseline, ratio, goal and verdict; crashes and notes too', () => {
  const table = formatTable(report([bench(), bench({ name: 'download', title: 'Download', status: 'crashed', error: 'child exited with 1', figures: [] })]));
  const lines = table.split('\n');
  assert.match(lines[0]!, /^benchmark\s+figure\s+value\s+baseline \(same run\)\s+ratio\s+goal\s+met\?$/);
  assert.match(table, /callbacks\/s\s+900 req\/s\s+raw signals: 1,000\s+0\.90×\s+≥ 0\.8×\s+met/);
  assert.match(table, /ack p99 at 200\/s\s+60 ms\s+raw p99: 20\s+3\.00×\s+< 50 ms\s+NOT MET/);
  assert.match(table, /Download\s+CRASHED: child exited with 1/);
  assert.match(table, /note: Callback intake, ack p99 at 200\/s: 3 requests failed/);
  assert.match(table, /goals: 1 met, 1 not met, of 2; benchmarks crashed: 1/);
});

test('numbers: whole ones without decimals, others with three significant-ish digits', () => {
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(5000), '5,000');
  assert.equal(formatNumber(6.2), '6.20');
  assert.equal(formatNumber(44.44), '44.4');
  assert.equal(formatNumber(0.0123), '0.012');
  assert.equal(formatNumber(null), '–');
});

test('the README table carries the command of each row', () => {
  const md = formatMarkdown(report([bench()]));
  assert.match(md, /^\| benchmark \| figure \| value \| baseline \(same run\) \| ratio \| goal \| met\? \| command \|/);
  assert.match(md, /\| Callback intake \| callbacks\/s \| 900 req\/s \| raw signals: 1,000 \| 0\.90× \| ≥ 0\.8× \| met \| `npm run bench -- --only intake` \|/);
});

test('process RSS and CPU time come from /proc on Linux', { skip: os.platform() !== 'linux' }, () => {
  assert.ok((rssOf(process.pid) ?? 0) > 10 * 1024 * 1024);
  assert.ok((cpuMsOf(process.pid) ?? -1) >= 0);
  assert.equal(rssOf(2 ** 30), undefined);
  assert.equal(cpuMsOf(2 ** 30), undefined);
});
