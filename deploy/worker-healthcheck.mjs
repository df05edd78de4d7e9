// Docker health check of a klingflow worker container (docker-compose.yml, klingflow-worker):
//
//   node deploy/worker-healthcheck.mjs     → exit 0 healthy, 1 unhealthy (reason on stderr)
//
// A worker has no HTTP endpoint; what matters is that it polls its task queue. Healthy =
// Temporal lists a poller on TEMPORAL_TASK_QUEUE (workflow or activity tasks) whose identity
// names this container's hostname (the SDK's default identity is `<pid>@<hostname>`, and each
// replica has its own hostname) and that was seen within WORKER_HEALTH_MAX_AGE (150 s; an idle
// worker's long poll is renewed about every minute). Plain JavaScript so that no TypeScript
// loader runs on every check.
import os from 'node:os';
import { Connection } from '@temporalio/client';

const address = process.env.TEMPORAL_ADDRESS;
const namespace = process.env.TEMPORAL_NAMESPACE || 'default';
const taskQueue = process.env.TEMPORAL_TASK_QUEUE || 'klingflow';
const maxAgeMs = (Number(process.env.WORKER_HEALTH_MAX_AGE) || 150) * 1000;
const hostname = os.hostname();
// temporal.api.enums.v1.TaskQueueType
const TASK_QUEUE_TYPES = { workflow: 1, activity: 2 };

function done(healthy, message) {
  (healthy ? console.log : console.error)(`worker-healthcheck: ${message}`);
  process.exit(healthy ? 0 : 1);
}

/** google.protobuf.Timestamp (seconds may be a protobufjs Long) → epoch ms. */
function timestampMs(ts) {
  if (!ts) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds?.toString() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

if (!address) done(false, 'TEMPORAL_ADDRESS is not set');

let connection;
try {
  connection = await Connection.connect({ address, connectTimeout: 3_000 });
  const seen = [];
  for (const [kind, taskQueueType] of Object.entries(TASK_QUEUE_TYPES)) {
    const response = await connection.withDeadline(Date.now() + 3_000, () =>
      connection.workflowService.describeTaskQueue({ namespace, taskQueue: { name: taskQueue }, taskQueueType }),
    );
    for (const poller of response.pollers ?? []) {
      if (!poller.identity?.includes(hostname)) continue;
      const ageMs = Date.now() - (timestampMs(poller.lastAccessTime) ?? 0);
      seen.push(`${kind} poller ${poller.identity} seen ${Math.round(ageMs / 1000)} s ago`);
      if (ageMs <= maxAgeMs) done(true, `${seen.at(-1)} on ${namespace}/${taskQueue}`);
    }
  }
  done(false, `no recent poller of ${hostname} on ${namespace}/${taskQueue}${seen.length ? ` (${seen.join('; ')})` : ''}`);
} catch (err) {
  done(false, `Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`);
} finally {
  await connection?.close();
}
