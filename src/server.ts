// The HTTP server alone (REST API + webhook receivers), for deployments that scale it
// separately from the workers. Stateless: run as many as you like behind a load balancer.
import { loadConfig } from './config.js';
import { appDepsFromConfig, buildApp } from './http/app.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { withSecrets } from './secrets.js';
import { installRuntime } from './observability/runtime.js';
import { connectClient, requireTemporalAddress } from './temporal/connect.js';

const config = withSecrets(loadConfig());
const logger = createLogger(config.logLevel);
// The Temporal runtime behind the client's connection logs through pino too (no worker here,
// no SDK metrics). One runtime thread: the server makes one short call per request, and a
// second thread only adds wake-ups between the two. At 200 callbacks/s on 2 cores (A/B of two
// servers, 12 rounds): 1.30–1.32 against 1.44–1.46 ms of server CPU per callback, and an ack
// p99 as low or lower in every round. TOKIO_WORKER_THREADS overrides it.
installRuntime(logger, { host: config.host, port: undefined }, 1);
const { client, connection } = await connectClient(requireTemporalAddress(config), config.temporal);
const app = buildApp({ ...appDepsFromConfig(config, client), metrics: createMetrics(client) }, logger);
await app.listen({ port: config.port, host: config.host });

// Graceful shutdown: stop accepting connections and let in-flight requests finish (a
// callback whose signal is on its way to Temporal still gets its 200; each is bounded by
// the app's signalTimeoutMs). Only then close the Temporal connection: closed first, it
// would fail those requests. A second signal, or 30 s, forces the exit.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    setTimeout(() => {
      app.log.error('Shutdown still waiting after 30 s: exiting');
      process.exit(1);
    }, 30_000).unref();
    app
      .close()
      .then(() => connection.close())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          app.log.error({ err }, 'Shutdown failed');
          process.exit(1);
        },
      );
  });
}
