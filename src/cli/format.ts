// Pure text rendering for the CLI: the live progress line, plain status lines, a
// generation's description and the list table. No I/O here, so it is unit-tested.
import type { GenerationState } from '../../workflows/types.js';

export const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const PARTIAL = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** 0.4s, 12.3s, 2m05s, 1h02m. */
export function formatElapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A bar `width` cells wide, filled to `percent` with eighth-cell precision. */
export function renderBar(percent: number, width: number): string {
  const p = Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0));
  const eighths = Math.round((p / 100) * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = PARTIAL[eighths % 8]!;
  return '█'.repeat(full) + partial + '░'.repeat(width - full - (partial ? 1 : 0));
}

export interface ProgressView {
  status: string;
  progress: number;
  elapsedMs: number;
  /** Animation frame (spinner); the symbol is ✔ / ✖ once `done`. */
  frame: number;
  done?: 'ok' | 'failed';
  /** Terminal width (default 80): the bar shrinks to fit, and the line never wraps. */
  columns?: number;
}

/** `⠹ polling     ██████▍░░░░░░░░░░░░░  31%  12.4s` — one line, no control characters. */
export function renderProgressLine(v: ProgressView): string {
  const symbol = v.done === 'ok' ? '✔' : v.done === 'failed' ? '✖' : SPINNER[((v.frame % SPINNER.length) + SPINNER.length) % SPINNER.length]!;
  const pct = `${Math.round(Math.min(100, Math.max(0, v.progress || 0)))}%`.padStart(4);
  const head = `${symbol} ${v.status.padEnd(11)} `;
  const tail = ` ${pct}  ${formatElapsed(v.elapsedMs)}`;
  const columns = v.columns && v.columns > 0 ? v.columns : 80; // a pseudo-terminal may report 0
  const width = Math.min(30, columns - 1 - head.length - tail.length);
  const line = width >= 5 ? head + renderBar(v.progress, width) + tail : `${head.trimEnd()}${tail}`;
  return truncate(line, columns - 1);
}

/** The plain (not a terminal) progress line: one per change. */
export function statusLine(id: string, state: Pick<GenerationState, 'status' | 'progress' | 'provider' | 'providerTaskId'>, elapsedMs: number): string {
  const elapsed = `${(Math.max(0, elapsedMs) / 1000).toFixed(1).padStart(6)}s`;
  const task = state.providerTaskId ? `  (${taskLabel(state.provider, state.providerTaskId)})` : '';
  return `[${elapsed}] ${id}  ${state.status}${state.progress ? ` ${state.progress}%` : ''}${task}`;
}

/** The terminal's log line for a status change, printed above the live bar. */
export function transitionLine(status: string, elapsedMs: number, detail?: string): string {
  return `${formatElapsed(elapsedMs).padStart(8)}  ${detail ? `${status.padEnd(11)} ${detail}` : status}`;
}

export function taskLabel(provider: string, taskId: string): string {
  return `${providerLabel(provider)} task ${taskId}`;
}

/** What a finished generation produced (or why it did not). */
export function resultLines(state: GenerationState): string[] {
  if (state.video) return [`video   ${state.video.uri}`, `bytes   ${state.video.bytes}`, `sha256  ${state.video.sha256}`];
  if (state.error) return [`${state.error.code}: ${state.error.message}`];
  return [];
}

export function describeState(state: GenerationState): string {
  const rows: [string, string | number | undefined | null][] = [
    ['status', `${state.status}${state.progress ? ` (${state.progress}%)` : ''}`],
    ['provider', state.provider],
    ['task', state.providerTaskId],
    ['prompt', state.prompt ? truncate(state.prompt.replace(/\s+/g, ' '), 100) : undefined],
    ['created', state.createdAt],
    ['updated', state.updatedAt],
    ['video', state.video?.uri],
    ['bytes', state.video?.bytes],
    ['sha256', state.video?.sha256],
    ['error', state.error ? `${state.error.code}: ${state.error.message}` : undefined],
    ['notified', state.notification],
  ];
  const present = rows.filter(([, v]) => v !== undefined && v !== null && v !== '');
  return [state.id, ...present.map(([k, v]) => `  ${k.padEnd(9)} ${v}`)].join('\n');
}

export interface ListRow {
  id: string;
  status: string;
  provider: string | null;
  providerTaskId: string | null;
  startedAt: string;
  closedAt: string | null;
  /** The workflow's static summary ("text2video: <prompt>"); null when it could not be read. */
  summary: string | null;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT… */
  executionStatus: string;
}

/** The generation status to show: the GenerationStatus search attribute, unless Temporal ended the run itself. */
export function rowStatus(executionStatus: string, attribute: string | undefined): string {
  if (executionStatus === 'CANCELLED') return 'cancelled';
  if (executionStatus === 'TERMINATED') return 'terminated';
  if (executionStatus === 'TIMED_OUT') return 'timed_out';
  if (executionStatus === 'FAILED' && attribute !== 'failed' && attribute !== 'timed_out') return 'failed';
  return attribute ?? (executionStatus === 'RUNNING' ? 'submitting' : executionStatus.toLowerCase());
}

/** 45s ago, 3m ago, 2h ago, 4d ago. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** An aligned table; lines are cut to `columns` when given (a terminal), whole otherwise. */
export function renderListTable(rows: ListRow[], opts: { now: number; columns?: number }): string {
  const header = ['ID', 'STATUS', 'PROVIDER', 'TASK', 'STARTED', 'PROMPT'];
  const cells = rows.map((r) => [r.id, r.status, r.provider ?? '-', r.providerTaskId ?? '-', formatAge(opts.now - Date.parse(r.startedAt)), r.summary ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [header, ...cells].map((c) => (opts.columns ? truncate(line(c), opts.columns - 1) : line(c))).join('\n');
}

export function truncate(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  return max <= 1 ? chars.slice(0, max).join('') : `${chars.slice(0, max - 1).join('')}…`;
}

function providerLabel(provider: string): string {
  return provider === 'runblob' ? 'RunBlob' : 'Kling';
}
