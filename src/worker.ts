// A worker alone: runs videoGeneration and its activities. Add replicas to scale.
import { loadConfig } from './config.js';
import { createLogger } from './observability/logger.js';
import { installRuntime } from './observability/runtime.js';
import { withSecrets } from './secrets.js';
import { connectNative, requireTemporalAddress } from './temporal/connect.js';
import { setCpuNice } from './temporal/cpuPriority.js';
import { createWorker } from './temporal/worker.js';

const config = withSecrets(loadConfig());
// Before the SDK starts its threads, so they inherit it.
if (config.temporal.workerNice) setCpuNice(config.temporal.workerNice);
// Logs through pino; SDK metrics for Prometheus on WORKER_METRICS_PORT (9464 by default).
installRuntime(createLogger(config.logLevel), { host: config.host, port: config.temporal.workerMetricsPort });
const connection = await connectNative(requireTemporalAddress(config), config.temporal.grpcCompression);
const worker = await createWorker({ config, callbackSecret: config.callback.secret, connection });
// Worker.run() shuts down gracefully on SIGINT/SIGTERM by itself.
await worker.run();
await connection.close();
