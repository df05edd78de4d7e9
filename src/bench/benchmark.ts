// What every benchmark file exports, and the helpers they share.
import type { BenchEnv } from './env.js';
import type { Figure } from './report.js';

export interface BenchContext {
  env: BenchEnv;
  quick: boolean;
  log(line: string): void;
  /** Aborted when the benchmark's time budget is spent. */
  signal: AbortSignal;
}

export interface BenchOutcome {
  figures: Figure[];
  details?: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  title: string;
  /** Upper bound on the run, full and quick. */
  budgetMs: { full: number; quick: number };
  /** Leaves workflows running that would weigh on later benchmarks: the environment is renewed. */
  leavesWorkBehind?: boolean;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy; throws after `timeoutMs` or on abort. */
export async function until<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs: number, signal: AbortSignal, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Runs `fn` over `items` with at most `concurrency` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        signal?.throwIfAborted();
        const i = next++;
        results[i] = await fn(items[i]!, i);
      }
    }),
  );
  return results;
}

export const MiB = 1024 * 1024;
