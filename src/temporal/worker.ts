// Builds the Temporal worker: the videoGeneration workflow plus real activities.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import type { Config } from '../config.js';

const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling takes seconds; one bundle serves every worker this process creates. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: console.warn, error: console.error, log: noop };

export interface WorkerDeps {
  config: Config;
  callbackSecret: string;
  connection: NativeConnection;
}

export async function createWorker({ config, callbackSecret, connection }: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ config, callbackSecret }),
    // Thousands of generations wait at once; the cache holds the recently active ones
    // (WORKER_MAX_CACHED_WORKFLOWS, see config.ts), the others replay when their event comes.
    maxCachedWorkflows: config.temporal.maxCachedWorkflows,
    // A cancel reaches a running activity only in the answer to a heartbeat the worker sends,
    // and the SDK sends them at most every 0.8 × heartbeatTimeout (24 s here) by default: a
    // cancelled download would run on for up to that long, or to its end. One heartbeat RPC
    // a second per running download is cheap; a cancel now stops it within about a second.
    maxHeartbeatThrottleInterval: '1s',
  });
}
