// What a benchmark run produces: figures, each next to a baseline measured in the same run,
// with the goal judged on the figure or on its ratio. Pure, so the verdicts are unit-tested.
import { percentile } from '../chaos/report.js';

export { percentile };

export type Comparison = '>=' | '<=' | '<' | '>';

export interface Goal {
  /** Judged on the figure itself, or on figure ÷ baseline. */
  on: 'value' | 'ratio';
  op: Comparison;
  target: number;
}

export interface Figure {
  name: string;
  unit: string;
  value: number | null;
  baseline?: { name: string; value: number | null };
  /** value ÷ baseline value; null when either is missing or the baseline is 0. */
  ratio: number | null;
  goal?: Goal;
  /** null when there is no goal, or nothing to judge it on. */
  met: boolean | null;
  note?: string;
}

export interface BenchmarkResult {
  name: string;
  title: string;
  command: string;
  status: 'ok' | 'crashed';
  error?: string;
  durationMs: number;
  figures: Figure[];
  details?: Record<string, unknown>;
}

export interface BenchReport {
  generatedAt: string;
  quick: boolean;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: { atStart: number[]; atEnd: number[] } };
  benchmarks: BenchmarkResult[];
  summary: { goals: number; met: number; unmet: number; crashed: number };
}

export function ratioOf(value: number | null, baseline: number | null | undefined): number | null {
  if (value === null || baseline === null || baseline === undefined || baseline === 0) return null;
  if (!Number.isFinite(value) || !Number.isFinite(baseline)) return null;
  return value / baseline;
}

export function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '>':
      return a > b;
  }
}

export function judge(goal: Goal | undefined, value: number | null, ratio: number | null): boolean | null {
  if (!goal) return null;
  const subject = goal.on === 'value' ? value : ratio;
  return subject === null || !Number.isFinite(subject) ? null : compare(subject, goal.op, goal.target);
}

export interface FigureInput {
  name: string;
  unit: string;
  value: number | null;
  baseline?: { name: string; value: number | null };
  goal?: Goal;
  note?: string;
}

/** A figure with its ratio and verdict filled in. */
export function figure(input: FigureInput): Figure {
  const ratio = ratioOf(input.value, input.baseline?.value);
  return { ...input, ratio, met: judge(input.goal, input.value, ratio) };
}

export interface LatencyStats {
  count: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function latencyStats(values: number[]): LatencyStats {
  if (!values.length) return { count: 0, p50: null, p99: null, max: null, mean: null };
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v > max) max = v;
    sum += v;
  }
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), max, mean: sum / values.length };
}

/** The middle value; for an even count, the mean of the two middle ones. null when empty. */
export function median(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One load run: the latency of every request that succeeded, the failures, the wall time. */
export interface LoadRun {
  latencies: number[];
  failed: number;
  elapsedMs: number;
}

export interface LoadSummary {
  ok: number;
  failed: number;
  elapsedMs: number;
  perSecond: number | null;
  latency: LatencyStats;
}

/** Runs of one kind taken in turns with another kind (to cancel drift) add up to one figure. */
export function combineLoads(runs: LoadRun[]): LoadSummary {
  const latencies = runs.flatMap((r) => r.latencies);
  const elapsedMs = runs.reduce((n, r) => n + r.elapsedMs, 0);
  return { ok: latencies.length, failed: runs.reduce((n, r) => n + r.failed, 0), elapsedMs, perSecond: perSecond(latencies.length, elapsedMs), latency: latencyStats(latencies) };
}

/** Per second, from a count and a duration in ms; null for an empty duration. */
export function perSecond(count: number, ms: number): number | null {
  return ms > 0 ? (count * 1000) / ms : null;
}

/** Megabytes (10^6 bytes) per second. */
export function mbPerSecond(bytes: number, ms: number): number | null {
  return ms > 0 ? bytes / 1e6 / (ms / 1000) : null;
}

/**
 * API calls of a naive poller for a task that takes `durationMs`: one create, then one read
 * every `intervalMs` until a read sees it finished.
 */
export function naivePollingCalls(durationMs: number, intervalMs: number): number {
  return Math.ceil(durationMs / intervalMs) + 1;
}

export function summarize(benchmarks: BenchmarkResult[]): BenchReport['summary'] {
  const judged = benchmarks.flatMap((b) => b.figures).filter((f) => f.goal);
  return {
    goals: judged.length,
    met: judged.filter((f) => f.met === true).length,
    unmet: judged.filter((f) => f.met !== true).length,
    crashed: benchmarks.filter((b) => b.status === 'crashed').length,
  };
}

/** 0 unless a benchmark crashed; with strict, unmet (or unjudgeable) goals fail too. */
export function exitCode(summary: BenchReport['summary'], strict: boolean): number {
  if (summary.crashed > 0) return 1;
  return strict && summary.unmet > 0 ? 1 : 0;
}

const OP_TEXT: Record<Comparison, string> = { '>=': '≥', '<=': '≤', '<': '<', '>': '>' };

export function formatGoal(goal: Goal | undefined, unit: string): string {
  if (!goal) return '';
  return goal.on === 'ratio' ? `${OP_TEXT[goal.op]} ${goal.target}×` : `${OP_TEXT[goal.op]} ${formatNumber(goal.target)} ${unit}`.trim();
}

export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  const abs = Math.abs(v);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatRatio(r: number | null): string {
  return r === null ? '–' : `${r.toFixed(2)}×`;
}

export function formatMet(met: boolean | null, goal: Goal | undefined): string {
  if (!goal) return '';
  return met === null ? 'n/a' : met ? 'met' : 'NOT MET';
}

interface Row {
  benchmark: string;
  figure: string;
  value: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
}

function rows(report: BenchReport): Row[] {
  return report.benchmarks.flatMap((b): Row[] => {
    if (b.status === 'crashed') return [{ benchmark: b.title, figure: `CRASHED: ${b.error ?? 'unknown error'}`, value: '', baseline: '', ratio: '', goal: '', met: '' }];
    return b.figures.map((f) => ({
      benchmark: b.title,
      figure: f.name,
      value: `${formatNumber(f.value)} ${f.unit}`.trim(),
      baseline: f.baseline ? `${f.baseline.name}: ${formatNumber(f.baseline.value)}` : '',
      ratio: f.baseline ? formatRatio(f.ratio) : '',
      goal: formatGoal(f.goal, f.unit),
      met: formatMet(f.met, f.goal),
    }));
  });
}

const COLUMNS: [keyof Row, string][] = [
  ['benchmark', 'benchmark'],
  ['figure', 'figure'],
  ['value', 'value'],
  ['baseline', 'baseline (same run)'],
  ['ratio', 'ratio'],
  ['goal', 'goal'],
  ['met', 'met?'],
];

export function formatTable(report: BenchReport): string {
  const body = rows(report);
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...body.map((r) => r[key].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const { summary } = report;
  const notes = report.benchmarks.flatMap((b) => b.figures.filter((f) => f.note).map((f) => `note: ${b.title}, ${f.name}: ${f.note}`));
  return [
    line(COLUMNS.map(([, t]) => t)),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map((r) => line(COLUMNS.map(([k]) => r[k]))),
    '',
    ...notes,
    `goals: ${summary.met} met, ${summary.unmet} not met, of ${summary.goals}; benchmarks crashed: ${summary.crashed}`,
  ].join('\n');
}

/** The README's Performance table: one row per figure, with the command that produced it. */
export function formatMarkdown(report: BenchReport): string {
  const header = '| benchmark | figure | value | baseline (same run) | ratio | goal | met? | command |\n|---|---|---|---|---|---|---|---|';
  const commands = new Map(report.benchmarks.map((b) => [b.title, b.command]));
  const lines = rows(report).map((r) => `| ${r.benchmark} | ${r.figure} | ${r.value} | ${r.baseline} | ${r.ratio} | ${r.goal} | ${r.met} | \`${commands.get(r.benchmark) ?? ''}\` |`);
  return [header, ...lines].join('\n');
}
