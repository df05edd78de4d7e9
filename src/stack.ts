// Starts the whole system in one process: the embedded Temporal dev server (unless
// TEMPORAL_ADDRESS is set), the simulator (unless Kling keys are set), the HTTP server
// and the worker. `npm start` and the integration tests both use it.
import type { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import path from 'node:path';
import type { Config } from './config.js';
import { appDepsFromConfig, buildApp, type AppDeps } from './http/app.js';
import type { Logger } from 'pino';
import { createMetrics } from './observability/metrics.js';
import { installRuntime } from './observability/runtime.js';
import { withSecrets } from './secrets.js';
import { startSimulator } from './simulator/app.js';
import { startDevServer, type DevServer } from './temporal/devServer.js';
import { resolveTemporalCli } from './temporal/temporalCli.js';
import { connectClient } from './temporal/connect.js';
import { createWorker } from './temporal/worker.js';

export interface StackOptions {
  /** Embedded dev server: persist to this SQLite file (npm start) or keep in memory (tests). */
  devServer?: { dbFile?: string; headless?: boolean; port?: number; uiPort?: number };
  /** Fastify logger options, or a pino logger shared with the Temporal runtime (npm start). */
  logger?: FastifyServerOptions['logger'] | Logger;
  /** Overrides of the HTTP app's deps (e.g. `rateLimit` for a load or fuzz test). */
  appOverrides?: Partial<Omit<AppDeps, 'client'>>;
  log?: (message: string) => void;
}

export interface Stack {
  config: Config;
  client: Client;
  app: FastifyInstance;
  apiUrl: string;
  temporalUiUrl: string | undefined;
  simulatorUrl: string | undefined;
  devServer: DevServer | undefined;
  worker(): Worker | undefined;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(baseConfig: Config, opts: StackOptions = {}): Promise<Stack> {
  const log = opts.log ?? ((m: string) => console.error(m));
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err: unknown) => log(`shutdown: ${String(err)}`));
    cleanups.length = 0;
  };
  try {
    let config = withSecrets(baseConfig);

    let devServer: DevServer | undefined;
    let address = config.temporal.address;
    if (!address) {
      const cliPath = await resolveTemporalCli({ cliPath: config.temporal.cliPath, log });
      devServer = await startDevServer({
        cliPath,
        namespace: config.temporal.namespace,
        port: opts.devServer?.port,
        uiPort: opts.devServer?.uiPort ?? config.temporal.uiPort,
        headless: opts.devServer?.headless,
        dbFile: opts.devServer?.dbFile,
      });
      cleanups.push(() => devServer!.stop());
      address = devServer.address;
    }

    let simulatorUrl: string | undefined;
    if (config.kling.simulated || config.runblob.simulated) {
      const sim = await startSimulator({
        port: config.simulatorPort,
        accessKey: config.kling.accessKey,
        secretKey: config.kling.secretKey,
        runblobApiKey: config.runblob.apiKey,
      });
      cleanups.push(() => sim.close());
      simulatorUrl = sim.url;
      // The simulator may have taken another port (tests use 0): point the simulated parts at it.
      const simHost = new URL(sim.url).host;
      config = {
        ...config,
        kling: config.kling.simulated ? { ...config.kling, apiBase: sim.url } : config.kling,
        runblob: config.runblob.simulated ? { ...config.runblob, apiBase: sim.url } : config.runblob,
        // The simulator serves videos from loopback, which downloads otherwise refuse.
        download: {
          ...config.download,
          allowedHosts: [...config.download.allowedHosts, simHost],
          allowPrivateAddresses: [...config.download.allowPrivateAddresses, simHost],
        },
      };
    }

    // A shared pino logger also receives the Temporal runtime's logs, and the worker's SDK metrics.
    // (Installed before the first connection, which would install a default runtime.)
    const workerMetricsUrl = isLogger(opts.logger)
      ? installRuntime(opts.logger, { host: config.host, port: config.temporal.workerMetricsPort })
      : undefined;
    // One native connection for the HTTP server's client and the worker.
    const { client, connection } = await connectClient(address, config.temporal);
    cleanups.push(() => connection.close());
    const temporalUiUrl = devServer?.uiUrl ?? config.temporal.uiUrl;
    const metrics = createMetrics(client);
    const app = buildApp({ ...appDepsFromConfig(config, client, devServer?.uiUrl), metrics, workerMetricsUrl, ...opts.appOverrides }, opts.logger);
    await app.listen({ port: config.port, host: config.host });
    cleanups.push(() => app.close());
    const bound = app.server.address();
    const apiUrl = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${typeof bound === 'object' && bound ? bound.port : config.port}`;
    // Port 0 (tests) without an explicit PUBLIC_BASE_URL: the callback base is only known now.
    if (config.publicBaseUrl.endsWith(':0')) config = { ...config, publicBaseUrl: apiUrl };

    let worker: Worker | undefined;
    let running: Promise<void> | undefined;
    const startWorker = async () => {
      if (worker) return;
      worker = await createWorker({ config, callbackSecret: config.callback.secret, connection });
      running = worker.run();
    };
    const stopWorker = async () => {
      if (!worker) return;
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    };
    await startWorker();
    cleanups.push(stopWorker);

    return {
      config,
      client,
      app,
      apiUrl,
      temporalUiUrl,
      simulatorUrl,
      devServer,
      worker: () => worker,
      startWorker,
      stopWorker,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export function defaultDbFile(config: Config): string {
  return path.join(config.dataDir, 'temporal.db');
}

function isLogger(logger: unknown): logger is Logger {
  return typeof logger === 'object' && logger !== null && typeof (logger as Logger).child === 'function';
}
