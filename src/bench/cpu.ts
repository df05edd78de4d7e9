// CPU time of processes (Linux /proc), to tell which process a figure's cost lands in.
import { readFileSync } from 'node:fs';

/** sysconf(_SC_CLK_TCK): 100 on the Linux platforms Node supports. */
const CLOCK_TICKS = 100;

/** User + system CPU time of `pid` in ms; undefined when unreadable. */
export function cpuMsOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name; utime and stime are the 14th and 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}


/** CPU ms each named process spends while `fn` runs. */
export async function cpuDuring<T>(pids: Record<string, number>, fn: () => Promise<T>): Promise<{ result: T; cpuMs: Record<string, number | null> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMsOf(pid)]));
  const result = await fn();
  const cpuMs = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => {
      const a = before[k];
      const b = cpuMsOf(pid);
      return [k, a === undefined || b === undefined ? null : b - a];
    }),
  );
  return { result, cpuMs };
}

/**
 * Waits until the processes together use less than `cores` of CPU over `windowMs`: work left
 * over from one run (a worker catching up on workflow tasks) must not slow the next one.
 */
export async function settle(pids: number[], opts: { cores?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const { cores = 0.15, windowMs = 500, timeoutMs = 30_000 } = opts;
  const total = () => pids.reduce((n, pid) => n + (cpuMsOf(pid) ?? 0), 0);
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    const before = total();
    await new Promise((r) => setTimeout(r, windowMs));
    if (total() - before < cores * windowMs) return true;
  }
  return false;
}

/** Busy and total CPU time of the whole machine (all cores) in clock ticks, from /proc/stat. */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/**
 * Waits until the whole machine is below `busyFraction` busy over `windowMs`, whoever the
 * work belongs to: a bandwidth figure taken while another benchmark's leftovers (a worker
 * catching up, the dev server compacting) hold a core is that leftover's figure.
 */
export async function settleMachine(opts: { busyFraction?: number; windowMs?: number; timeoutMs?: number } = {}): Promise<boolean> {
  const { busyFraction = 0.25, windowMs = 500, timeoutMs = 30_000 } = opts;
  for (const end = Date.now() + timeoutMs; Date.now() < end; ) {
    const a = machineTicks();
    await new Promise((r) => setTimeout(r, windowMs));
    const b = machineTicks();
    if (!a || !b) return false;
    if (b.total > a.total && (b.busy - a.busy) / (b.total - a.total) < busyFraction) return true;
  }
  return false;
}
