// The system under measurement, started piece by piece as benchmarks ask for it: a Temporal
// dev server (in memory), the simulator in this process, and klingflow's server and worker,
// the baseline worker and the empty HTTP server as child processes, as they run in production.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DEFAULT_GRPC_COMPRESSION } from '../config.js';
import { connectNative } from '../temporal/connect.js';
import { freePort, startDevServer, type DevServer } from '../temporal/devServer.js';
import { resolveTemporalCli } from '../temporal/temporalCli.js';
import { startChild, type Child } from './children.js';
import { startBenchSim, type BenchSim } from './sim.js';

export const BENCH_CALLBACK_SECRET = 'bench-callback-secret';
export const BASELINE_TASK_QUEUE = 'klingflow-bench-baseline';
export const KLINGFLOW_TASK_QUEUE = 'klingflow';
// The Temporal runtime's line, in its own format or as JSON through the app's logger.
const WORKER_READY = /state: 'RUNNING'|"state":"RUNNING"/;

export interface Temporal {
  address: string;
  /** The dev server's process, for CPU accounting. */
  pid: number;
  client: Client;
}

export interface Klingflow {
  apiUrl: string;
  callbackSecret: string;
  dataDir: string;
  server: Child;
  worker(): Child;
  /** A fresh worker process: empty workflow cache, fresh heap. */
  restartWorker(): Promise<Child>;
}

export interface Baseline {
  taskQueue: string;
  worker(): Child;
  restartWorker(): Promise<Child>;
}

export interface BenchEnv {
  tmp: string;
  log(line: string): void;
  sim(): Promise<BenchSim>;
  temporal(): Promise<Temporal>;
  klingflow(): Promise<Klingflow>;
  baseline(): Promise<Baseline>;
  emptyServer(): Promise<{ url: string }>;
  close(): Promise<void>;
}

export async function createBenchEnv(log: (line: string) => void, keepTemp = false, profileDir?: string): Promise<BenchEnv> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'klingflow-bench-'));
  const cleanups: (() => Promise<unknown>)[] = [async () => (keepTemp ? log(`temp dir kept: ${tmp}`) : rm(tmp, { recursive: true, force: true }))];
  const once = <T>(make: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= make());
  };
  // A file per process started: a restarted worker must not find its predecessor's ready line.
  let started = 0;
  const logFile = (name: string) => path.join(tmp, `${name}-${++started}.log`);

  const sim = once(async () => {
    const s = await startBenchSim();
    cleanups.push(() => s.close());
    return s;
  });

  const temporal = once(async (): Promise<Temporal> => {
    const cliPath = await resolveTemporalCli({ log });
    const dev: DevServer = await startDevServer({ cliPath, headless: true });
    cleanups.push(() => dev.stop());
    process.once('exit', () => dev.process.kill('SIGKILL'));
    // The native connection klingflow's server signals through: the raw-signal baselines get
    // the engine's limit, not the pure-JS client's (which costs the bench 1.4 against 0.8 ms
    // of CPU per signal at 200/s, measured side by side).
    const connection = await connectNative(dev.address, DEFAULT_GRPC_COMPRESSION);
    cleanups.push(() => connection.close());
    return { address: dev.address, pid: dev.process.pid ?? -1, client: new Client({ connection }) };
  });

  const klingflow = once(async (): Promise<Klingflow> => {
    const [s, t] = await Promise.all([sim(), temporal()]);
    const port = await freePort();
    const dataDir = path.join(tmp, 'klingflow');
    await mkdir(dataDir, { recursive: true });
    const apiUrl = `http://127.0.0.1:${port}`;
    // Production defaults (LOG_LEVEL info included) except what points at the bench's pieces.
    const env = {
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_TASK_QUEUE: KLINGFLOW_TASK_QUEUE,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_BASE_URL: apiUrl,
      SIMULATOR_PORT: String(s.port),
      DATA_DIR: dataDir,
      CALLBACK_SECRET: BENCH_CALLBACK_SECRET,
      LOG_LEVEL: 'info',
    };
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    const server = await startChild({
      name: 'klingflow server',
      nodeArgs,
      entry: 'src/server.ts',
      env,
      logFile: logFile('server'),
      probe: async () => (await fetch(`${apiUrl}/healthz`)).ok,
    });
    cleanups.push(() => server.stop());
    // Worker metrics stay on, as by default, on a port of their own.
    const startWorker = async () =>
      startChild({ name: 'klingflow worker', nodeArgs, entry: 'src/worker.ts', env: { ...env, WORKER_METRICS_PORT: String(await freePort()) }, logFile: logFile('worker'), readyLine: WORKER_READY });
    let worker = await startWorker();
    cleanups.push(() => worker.stop());
    return {
      apiUrl,
      callbackSecret: BENCH_CALLBACK_SECRET,
      dataDir,
      server,
      worker: () => worker,
      async restartWorker() {
        await worker.stop();
        worker = await startWorker();
        return worker;
      },
    };
  });

  const baseline = once(async (): Promise<Baseline> => {
    const t = await temporal();
    const start = () =>
      startChild({
        name: 'baseline worker',
        entry: 'src/bench/baseline/worker.ts',
        args: ['--address', t.address, '--task-queue', BASELINE_TASK_QUEUE],
        logFile: logFile('baseline-worker'),
        readyLine: WORKER_READY,
      });
    let worker = await start();
    cleanups.push(() => worker.stop());
    return {
      taskQueue: BASELINE_TASK_QUEUE,
      worker: () => worker,
      async restartWorker() {
        await worker.stop();
        worker = await start();
        return worker;
      },
    };
  });

  const emptyServer = once(async () => {
    const port = await freePort();
    const child = await startChild({ name: 'empty server', entry: 'src/bench/emptyServer.ts', args: ['--port', String(port)], logFile: logFile('empty-server'), readyLine: /listening/ });
    cleanups.push(() => child.stop());
    return { url: `http://127.0.0.1:${port}` };
  });

  return {
    tmp,
    log,
    sim,
    temporal,
    klingflow,
    baseline,
    emptyServer,
    async close() {
      for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log(`cleanup: ${String(err)}`));
      cleanups.length = 0;
    },
  };
}
