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
// The Temporal runtime behind the client's connection logs through pino too (no worker here, no SDK metrics).
installRuntime(logger, { host: config.host, port: undefined });
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
