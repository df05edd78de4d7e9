// GET /metrics: klingflow's own metrics, followed by the Temporal worker's runtime metrics
// (SDK telemetry, exported on WORKER_METRICS_PORT) when this process runs a worker.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../../observability/metrics.js';
import type { AppDeps } from '../app.js';

export const metricsRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  const metrics = deps.metrics;
  if (!metrics) return;
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    let body = await metrics.registry.metrics();
    if (deps.workerMetricsUrl) {
      const worker = await fetch(deps.workerMetricsUrl, { signal: AbortSignal.timeout(2_000) })
        .then((r) => (r.ok ? r.text() : ''))
        .catch((err: Error) => {
          req.log.warn({ err: err.message }, 'Worker metrics unavailable');
          return '';
        });
      if (worker) body += `\n# Temporal worker runtime metrics (SDK telemetry)\n${worker}`;
    }
    return reply.type(metrics.registry.contentType).send(body);
  });

};

/** App-level hook (route plugins are encapsulated): callbacks by provider and result, and ack latency. */
export function recordCallbacks(app: FastifyInstance, metrics: Metrics): void {
  // Synchronous: an async hook would cost a promise per request.
  app.addHook('onResponse', (req, reply, done) => {
    const url = req.routeOptions.url ?? '';
    if (url.startsWith('/webhooks/')) {
      const provider = url === '/webhooks/kling' ? 'gateway' : url.split('/')[2] ?? 'unknown';
      metrics.recordCallback(provider, resultOf(reply.statusCode), reply.elapsedTime / 1000);
    }
    done();
  });
}

function resultOf(status: number): string {
  if (status < 300) return 'accepted';
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'unknown_generation';
  if (status === 503) return 'temporal_unavailable';
  return status < 500 ? 'rejected' : 'error';
}
