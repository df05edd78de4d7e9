// Follows a generation until it ends. On a terminal: a live progress bar (status,
// progress %, elapsed) under a log of status changes. Elsewhere: one plain line per change.
import type { Client } from '@temporalio/client';
import { TERMINAL_GENERATION_STATUSES, type GenerationState } from '../../workflows/types.js';
import { getGeneration } from '../temporal/generations.js';
import { renderProgressLine, resultLines, statusLine, taskLabel, transitionLine } from './format.js';

export type WatchMode = 'bar' | 'lines' | 'quiet';

export interface WatchOptions {
  mode: WatchMode;
  /** Elapsed time counts from here (default: now). */
  since?: number;
  intervalMs?: number;
  stream?: NodeJS.WriteStream;
}

/** bar on a terminal, plain lines otherwise, nothing with --json. */
export function watchModeFor(json: boolean, stream: NodeJS.WriteStream = process.stdout): WatchMode {
  return json ? 'quiet' : stream.isTTY ? 'bar' : 'lines';
}

const CLEAR_LINE = '\r\x1b[2K';

export async function watchGeneration(client: Client, id: string, opts: WatchOptions): Promise<GenerationState | null> {
  const out = opts.stream ?? process.stdout;
  const since = opts.since ?? Date.now();
  const bar = opts.mode === 'bar';
  let current: GenerationState | undefined;
  let lastLine = '';
  let lastStatus = '';
  let lastTask: string | null = null;
  let frame = 0;
  let ended = false;
  const draw = (done?: 'ok' | 'failed') => {
    if (!bar || !current) return;
    const line = renderProgressLine({ status: current.status, progress: current.progress, elapsedMs: Date.now() - since, frame, done, columns: out.columns });
    out.write(CLEAR_LINE + line + (done ? '\n' : ''));
  };
  const ticker = bar ? setInterval(() => (frame++, draw()), 100) : undefined;
  // Ctrl-C stops watching, not the generation: say so, and leave the terminal tidy.
  const onSigint = () => {
    if (ticker) clearInterval(ticker);
    if (bar) out.write(`${CLEAR_LINE}\x1b[?25h`);
    process.stderr.write(`Stopped watching; ${id} keeps running.\n  follow: klingflow status ${id} --wait\n  cancel: klingflow cancel ${id}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  if (bar) out.write('\x1b[?25l');
  try {
    for (;;) {
      const state = await getGeneration(client, id);
      if (!state) return null;
      current = state;
      const elapsed = Date.now() - since;
      const terminal = TERMINAL_GENERATION_STATUSES.includes(state.status);
      if (bar && state.status !== lastStatus && !terminal) {
        const task = state.providerTaskId && state.providerTaskId !== lastTask ? taskLabel(state.provider, state.providerTaskId) : undefined;
        out.write(CLEAR_LINE + transitionLine(state.status, elapsed, task) + '\n');
        lastStatus = state.status;
        lastTask = state.providerTaskId;
      } else if (opts.mode === 'lines') {
        const line = statusLine(id, state, elapsed);
        // one line per change of status or progress (the elapsed prefix does not count)
        const key = line.slice(line.indexOf(']'));
        if (key !== lastLine) out.write(line + '\n');
        lastLine = key;
      }
      if (terminal) {
        ended = true;
        draw(state.status === 'completed' ? 'ok' : 'failed');
        if (opts.mode !== 'quiet') out.write(['', ...resultLines(state)].join('\n') + '\n');
        return state;
      }
      draw();
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
    }
  } finally {
    if (ticker) clearInterval(ticker);
    process.removeListener('SIGINT', onSigint);
    if (bar) out.write(`${ended || !current ? '' : '\n'}\x1b[?25h`);
  }
}
