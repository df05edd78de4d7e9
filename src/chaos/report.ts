// Turns what the chaos run observed into the figures it promises: nothing lost, nothing
// duplicated. Pure, so the verdict logic is tested on its own.

export interface ScenarioResult {
  scenario: string;
  fault: string;
  started: number;
  completed: number;
  failedByProvider: number;
  otherTerminal: number;
  lost: number;
  duplicateProviderTasks: number;
  duplicateDownloads: number;
  duplicateStoredObjects: number;
  duplicateNotifications: number;
  /** Completed generations whose subscriber was never told. */
  missedNotifications: number;
  missingOrCorruptVideos: number;
  notificationRedeliveries: number;
  timesToTerminalMs: number[];
}

export interface ChaosReport {
  generatedAt: string;
  generations: number;
  scenarios: (Omit<ScenarioResult, 'timesToTerminalMs'> & { p50Ms: number | null; p99Ms: number | null })[];
  totals: Omit<ScenarioResult, 'scenario' | 'fault' | 'timesToTerminalMs'> & { p50Ms: number | null; p99Ms: number | null };
  passed: boolean;
}

export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const COUNTS = [
  'started', 'completed', 'failedByProvider', 'otherTerminal', 'lost', 'duplicateProviderTasks', 'duplicateDownloads',
  'duplicateStoredObjects', 'duplicateNotifications', 'missedNotifications', 'missingOrCorruptVideos', 'notificationRedeliveries',
] as const;
const MUST_BE_ZERO = [
  'lost', 'otherTerminal', 'duplicateProviderTasks', 'duplicateDownloads', 'duplicateStoredObjects', 'duplicateNotifications', 'missedNotifications', 'missingOrCorruptVideos',
] as const;

export function buildReport(results: ScenarioResult[], now = new Date()): ChaosReport {
  const scenarios = results.map(({ timesToTerminalMs, ...r }) => ({ ...r, p50Ms: percentile(timesToTerminalMs, 50), p99Ms: percentile(timesToTerminalMs, 99) }));
  const all = results.flatMap((r) => r.timesToTerminalMs);
  const totals = Object.fromEntries(COUNTS.map((k) => [k, results.reduce((n, r) => n + r[k], 0)])) as Record<(typeof COUNTS)[number], number>;
  const passed = results.length > 0 && MUST_BE_ZERO.every((k) => totals[k] === 0) && totals.started > 0;
  return { generatedAt: now.toISOString(), generations: totals.started, scenarios, totals: { ...totals, p50Ms: percentile(all, 50), p99Ms: percentile(all, 99) }, passed };
}

export function formatReport(report: ChaosReport): string {
  const cols: [string, (r: ChaosReport['totals'] & { scenario?: string }) => string | number][] = [
    ['scenario', (r) => r.scenario ?? 'TOTAL'],
    ['started', (r) => r.started],
    ['completed', (r) => r.completed],
    ['failed*', (r) => r.failedByProvider],
    ['lost', (r) => r.lost],
    ['dup tasks', (r) => r.duplicateProviderTasks],
    ['dup downloads', (r) => r.duplicateDownloads],
    ['dup stored', (r) => r.duplicateStoredObjects],
    ['dup notifs', (r) => r.duplicateNotifications],
    ['missed notifs', (r) => r.missedNotifications],
    ['bad videos', (r) => r.missingOrCorruptVideos],
    ['p50 s', (r) => (r.p50Ms === null ? '-' : (r.p50Ms / 1000).toFixed(1))],
    ['p99 s', (r) => (r.p99Ms === null ? '-' : (r.p99Ms / 1000).toFixed(1))],
  ];
  const rows = [...report.scenarios, { ...report.totals, scenario: 'TOTAL' }].map((r) => cols.map(([, f]) => String(f(r as never))));
  const widths = cols.map(([h], i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cols.map(([h]) => h)), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', '* failed as the provider decided (none injected here)', `verdict: ${report.passed ? 'PASS — lost = 0 and every duplicate count = 0' : 'FAIL'}`].join('\n');
}
