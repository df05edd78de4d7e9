// The baseline worker: its own process and task queue, the same worker settings as
// klingflow's (src/temporal/worker.ts), and no-op activities.
// Usage: worker.ts --address host:port --task-queue name
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DEFAULT_GRPC_COMPRESSION, DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_WORKER_NICE } from '../../config.js';
import { connectNative } from '../../temporal/connect.js';
import { setCpuNice } from '../../temporal/cpuPriority.js';
import { createBaselineActivities } from './activities.js';

const { values } = parseArgs({ options: { address: { type: 'string' }, 'task-queue': { type: 'string' } } });
if (!values.address || !values['task-queue']) throw new Error('--address and --task-queue are required');

setCpuNice(DEFAULT_WORKER_NICE);
const noop = () => undefined;
const workflowBundle = await bundleWorkflowCode({
  workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
  logger: { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop },
});
const client = new Client({ connection: await Connection.connect({ address: values.address }) });
const connection = await connectNative(values.address, DEFAULT_GRPC_COMPRESSION);
const worker = await Worker.create({
  connection,
  taskQueue: values['task-queue'],
  workflowBundle,
  activities: createBaselineActivities(client),
  maxCachedWorkflows: DEFAULT_MAX_CACHED_WORKFLOWS,
});
await worker.run();
await connection.close();
await client.connection.close();
