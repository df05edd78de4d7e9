// Runs the chosen benchmarks one after another, each within its time budget. A crash is
// recorded and the next benchmark gets a fresh environment; cleanup runs however it ends.
import os from 'node:os';
import { resolveTemporalCli } from '../temporal/temporalCli.js';
import type { Benchmark } from './benchmark.js';
import { createBenchEnv, type BenchEnv } from './env.js';
import { summarize, type BenchmarkResult, type BenchReport } from './report.js';

export interface RunOptions {
  benchmarks: Benchmark[];
  quick: boolean;
  /** Keep the temp dir (child logs, downloads) for a look after the run. */
  keepTemp?: boolean;
  /** Write CPU profiles of klingflow's server and worker here. */
  profileDir?: string;
  log(line: string): void;
}

export async function runBenchmarks({ benchmarks, quick, keepTemp, profileDir, log }: RunOptions): Promise<BenchReport> {
  const results: BenchmarkResult[] = [];
  // Other work on the machine skews every figure: the report says how busy it was.
  const loadAtStart = os.loadavg();
  let env: BenchEnv | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    log(`${sig}: cleaning up`);
    void (env?.close() ?? Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // A fresh machine builds the Temporal CLI first (minutes): that is setup, not any
    // benchmark's time, so it happens before the first budget starts counting. If it
    // cannot, the benchmarks that need Temporal fail with the reason; the others still run.
    await resolveTemporalCli({ log }).catch((err: unknown) => log(`the Temporal CLI is not available: ${err instanceof Error ? err.message : String(err)}`));
    for (const bench of benchmarks) {
      env ??= await createBenchEnv(log, keepTemp, profileDir);
      const budget = quick ? bench.budgetMs.quick : bench.budgetMs.full;
      const command = `npm run bench -- --only ${bench.name}${quick ? ' --quick' : ''}`;
      log(`▶ ${bench.title} (${bench.name}; budget ${Math.round(budget / 1000)} s)`);
      const began = Date.now();
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(new Error(`over its ${Math.round(budget / 1000)} s budget`)), budget);
      try {
        const outcome = await Promise.race([
          bench.run({ env, quick, log, signal: abort.signal }),
          new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(abort.signal.reason as Error), { once: true })),
        ]);
        results.push({ name: bench.name, title: bench.title, command, status: 'ok', durationMs: Date.now() - began, ...outcome });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        log(`  CRASHED: ${error}`);
        results.push({ name: bench.name, title: bench.title, command, status: 'crashed', error: error.split('\n')[0], durationMs: Date.now() - began, figures: [], details: { error } });
        // Whatever it left running must not weigh on the next benchmark.
        abort.abort();
        await env.close();
        env = undefined;
      } finally {
        clearTimeout(timer);
      }
      if (bench.leavesWorkBehind && env) {
        await env.close();
        env = undefined;
      }
      log(`  done in ${Math.round((Date.now() - began) / 1000)} s`);
    }
  } finally {
    await env?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return {
    generatedAt: new Date().toISOString(),
    quick,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}`, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() } },
    benchmarks: results,
    summary: summarize(results),
  };
}
