// A worker alone: runs videoGeneration and its activities. Add replicas to scale.
import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from './config.js';
import { withSecrets } from './secrets.js';
import { requireTemporalAddress } from './temporal/connect.js';
import { createWorker } from './temporal/worker.js';

const config = withSecrets(loadConfig());
const connection = await NativeConnection.connect({ address: requireTemporalAddress(config) });
const worker = await createWorker({ config, callbackSecret: config.callback.secret, connection });
// Worker.run() shuts down gracefully on SIGINT/SIGTERM by itself.
await worker.run();
await connection.close();
