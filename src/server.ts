// The HTTP server alone (REST API + webhook receivers), for deployments that scale it
// separately from the workers. Stateless: run as many as you like behind a load balancer.
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from './config.js';
import { appDepsFromConfig, buildApp } from './http/app.js';
import { withSecrets } from './secrets.js';
import { requireTemporalAddress } from './temporal/connect.js';

const config = withSecrets(loadConfig());
const connection = await Connection.connect({ address: requireTemporalAddress(config) });
const client = new Client({ connection, namespace: config.temporal.namespace });
const app = buildApp(appDepsFromConfig(config, client), { level: config.logLevel });
await app.listen({ port: config.port, host: config.host });

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await app.close(); // finishes in-flight requests first
    await connection.close();
    process.exit(0);
  });
}
