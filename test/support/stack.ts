// A real stack for integration tests: Temporal dev server (in memory, headless), the
// Kling simulator, the Fastify server on a loopback port and a worker.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { loadConfig } from '../../src/config.js';
import { startStack, type Stack } from '../../src/stack.js';
import { freePort } from '../../src/temporal/devServer.js';
import type { GenerationState, GenerationStatus } from '../../workflows/types.js';
import { waitFor } from './waitFor.js';

export { waitFor };

export interface TestStack extends Stack {
  dataDir: string;
  api(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  sim: {
    configure(patch: Record<string, unknown>): Promise<void>;
    reset(): Promise<void>;
    stats(): Promise<any>;
  };
  generation(id: string): Promise<GenerationState>;
  waitForStatus(id: string, statuses: GenerationStatus[], timeoutMs?: number): Promise<GenerationState>;
  close(): Promise<void>;
}

let runtimeInstalled = false;

export async function startTestStack(env: Record<string, string> = {}, opts: { webUi?: boolean; logger?: Logger } = {}): Promise<TestStack> {
  // A test that brings its own pino logger lets the stack install the runtime with it.
  if (!runtimeInstalled && !opts.logger) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-test-'));
  const config = loadConfig({
    PORT: '0',
    SIMULATOR_PORT: '0',
    DATA_DIR: dataDir,
    CALLBACK_SECRET: 'test-callback-secret',
    NOTIFY_SECRET: 'whsec_dGVzdC1ub3RpZnktc2VjcmV0LXRlc3Qtbm90aWZ5',
    KLING_REQUEST_TIMEOUT: '2s',
    CALLBACK_TIMEOUT: '30s',
    POLL_INTERVAL: '300ms',
    MAX_POLL_INTERVAL: '1s',
    LOG_LEVEL: 'silent',
    WORKER_METRICS_PORT: '0',
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    ...env,
  });
  const devServer = opts.webUi ? { headless: false, uiPort: await freePort() } : { headless: true };
  const stack = await startStack(config, { devServer, log: () => undefined, ...(opts.logger ? { logger: opts.logger } : {}) });

  const api: TestStack['api'] = async (method, url, body, headers = {}) => {
    const res = await fetch(`${stack.apiUrl}${url}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  };
  const simCall = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${stack.simulatorUrl}${url}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`simulator ${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  const generation = async (id: string) => {
    const res = await api('GET', `/generations/${id}`);
    if (res.status !== 200) throw new Error(`GET /generations/${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as GenerationState;
  };

  return {
    ...stack,
    dataDir,
    api,
    sim: {
      configure: async (patch) => void (await simCall('PUT', '/_sim/config', patch)),
      reset: async () => void (await simCall('POST', '/_sim/reset')),
      stats: () => simCall('GET', '/_sim/stats'),
    },
    generation,
    waitForStatus: async (id, statuses, timeoutMs = 30_000) => {
      const seen: string[] = [];
      return waitFor(
        async () => {
          const state = await generation(id);
          if (seen.at(-1) !== state.status) seen.push(state.status);
          return statuses.includes(state.status) ? state : undefined;
        },
        `${id} to reach ${statuses.join('|')} (seen: ${seen.join(' → ') || 'nothing'})`,
        timeoutMs,
      ).catch((err: Error) => {
        throw new Error(err.message.replace('(seen: nothing)', `(seen: ${seen.join(' → ')})`));
      });
    },
    close: async () => {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
