// Benchmark child processes (klingflow server and worker, baseline worker, download runners):
// each its own Node process, so its RSS and heap are its own. Output goes to a log file in
// the run's temp dir; every child is killed when the bench exits, however it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GUARD = fileURLToPath(new URL('./orphanGuard.ts', import.meta.url));

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface ChildOptions {
  name: string;
  /** Path under the repo, e.g. src/worker.ts. */
  entry: string;
  args?: string[];
  /** Node options, e.g. --cpu-prof for a look at where a child spends its time. */
  nodeArgs?: string[];
  /** The whole environment of the child (nothing is inherited but PATH and HOME). */
  env?: Record<string, string>;
  logFile: string;
  /** Ready when the log shows this line, or when `probe` answers true. */
  readyLine?: RegExp;
  probe?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface Child {
  name: string;
  pid: number;
  /** Resident set size from /proc, in bytes; undefined once the child is gone. */
  rss(): number | undefined;
  running(): boolean;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
  logTail(chars?: number): string;
}

export async function startChild(opts: ChildOptions): Promise<Child> {
  const out = openSync(opts.logFile, 'a');
  const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', GUARD, opts.entry, ...(opts.args ?? [])], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    // stdin stays open: the guard ends the child when the bench dies without cleaning up.
    stdio: ['pipe', out, out],
  });
  closeSync(out);
  live.add(proc);
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      live.delete(proc);
      resolve(code);
    }),
  );
  const logTail = (chars = 2000) => {
    try {
      return readFileSync(opts.logFile, 'utf8').slice(-chars);
    } catch {
      return '';
    }
  };
  const running = () => proc.exitCode === null && proc.signalCode === null;
  const child: Child = {
    name: opts.name,
    pid: proc.pid ?? -1,
    rss: () => (running() ? rssOf(proc.pid ?? -1) : undefined),
    running,
    exited,
    logTail,
    async stop(signal = 'SIGTERM') {
      if (!running()) return;
      proc.kill(signal);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (!running()) throw new Error(`${opts.name} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${logTail()}`);
    if (opts.readyLine?.test(logTail(1_000_000))) break;
    if (opts.probe && (await opts.probe().catch(() => false))) break;
    if (Date.now() > deadline) {
      await child.stop('SIGKILL');
      throw new Error(`${opts.name} not ready in time:\n${logTail()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

/** Runs a child to its end; answers its output (stdout and stderr, in the log file). */
export async function runChild(opts: Pick<ChildOptions, 'name' | 'entry' | 'args' | 'env' | 'logFile'>, signal: AbortSignal): Promise<string> {
  const child = await startChild({ ...opts, probe: async () => true });
  const stop = () => void child.stop('SIGKILL');
  signal.addEventListener('abort', stop, { once: true });
  const code = await child.exited;
  signal.removeEventListener('abort', stop);
  signal.throwIfAborted();
  if (code !== 0) throw new Error(`${opts.name} exited with ${code}:\n${child.logTail()}`);
  return readFileSync(opts.logFile, 'utf8');
}

/** VmRSS of a process, in bytes (Linux /proc); undefined when unreadable. */
export function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples `read` every `everyMs` and keeps the peak. */
export function peakSampler(read: () => number | undefined, everyMs = 200) {
  let peak = 0;
  let last: number | undefined;
  const sample = () => {
    const v = read();
    if (v !== undefined) {
      last = v;
      if (v > peak) peak = v;
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    peak: () => peak,
    last: () => last,
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
}
