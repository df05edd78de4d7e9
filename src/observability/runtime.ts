// The Temporal SDK runtime of this process: its logs go to our pino logger, and its worker
// metrics are exported for Prometheus (then also appended to GET /metrics in-process).
import { Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { temporalLogger } from './logger.js';

/**
 * Returns the URL of the worker metrics endpoint, or undefined when they are off.
 *
 * `tokioThreads` sets the runtime's thread count (Rust's tokio reads TOKIO_WORKER_THREADS
 * when the runtime is built; a value the user set wins). Default: one per core.
 */
export function installRuntime(logger: Logger, metrics: { host: string; port: number | undefined }, tokioThreads?: number): string | undefined {
  if (tokioThreads !== undefined) process.env.TOKIO_WORKER_THREADS ??= String(tokioThreads);
  const bindAddress = metrics.port ? `${metrics.host}:${metrics.port}` : undefined;
  try {
    Runtime.install({
      logger: temporalLogger(logger),
      ...(bindAddress ? { telemetryOptions: { metrics: { prometheus: { bindAddress } } } } : {}),
    });
  } catch (err) {
    // One runtime per process; a second stack in the same process (tests) keeps the first.
    logger.debug({ err: (err as Error).message }, 'Temporal runtime already installed');
    return undefined;
  }
  return bindAddress ? `http://${metrics.host === '0.0.0.0' ? '127.0.0.1' : metrics.host}:${metrics.port}/metrics` : undefined;
}
