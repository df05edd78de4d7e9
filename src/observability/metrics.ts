// Prometheus metrics for GET /metrics: callbacks by provider and result, acknowledgement
// latency, and generations by status (read from Temporal visibility at scrape time, so
// every worker's work counts and nothing is double-counted across replicas).
import type { Client } from '@temporalio/client';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const STATUSES = ['submitting', 'waiting', 'polling', 'downloading', 'storing', 'notifying', 'completed', 'failed', 'cancelled', 'timed_out'];

export interface Metrics {
  registry: Registry;
  recordCallback(provider: string, result: string, seconds: number): void;
}

export function createMetrics(client?: Client): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'klingflow_process_' });
  const callbacks = new Counter({
    name: 'klingflow_callbacks_total',
    help: 'Provider callbacks and gateway deliveries received, by provider and result',
    labelNames: ['provider', 'result'],
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'klingflow_callback_ack_seconds',
    help: 'Time from receiving a callback to acknowledging it (signal durably in Temporal)',
    labelNames: ['provider'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  if (client) {
    let cached: { at: number; counts: Map<string, number> } | undefined;
    new Gauge({
      name: 'klingflow_generations',
      help: 'Generations by status (GenerationStatus search attribute; final statuses count finished generations)',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        if (!cached || Date.now() - cached.at > 10_000) {
          const counts = new Map<string, number>();
          await Promise.all(
            STATUSES.map(async (status) => {
              const { count } = await client.workflow.count(`GenerationStatus = "${status}"`).catch(() => ({ count: NaN }));
              counts.set(status, count);
            }),
          );
          cached = { at: Date.now(), counts };
        }
        for (const [status, count] of cached.counts) if (Number.isFinite(count)) this.set({ status }, count);
      },
    });
  }
  return {
    registry,
    recordCallback(provider, result, seconds) {
      callbacks.inc({ provider, result });
      ack.observe({ provider }, seconds);
    },
  };
}
