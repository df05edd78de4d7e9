// Runs the chaos scenarios against a real stack: Temporal dev server (SQLite, so it can be
// killed and restarted), the simulator and a notification receiver in this process, the
// klingflow server and worker as child processes that can be SIGKILLed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { simulatorKeys } from '../config.js';
import { startSimulator } from '../simulator/app.js';
import { assetSize } from '../simulator/video.js';
import { freePort, startDevServer, type DevServer } from '../temporal/devServer.js';
import { getGeneration, startGeneration } from '../temporal/generations.js';
import { resolveTemporalCli } from '../temporal/temporalCli.js';
import { TERMINAL_GENERATION_STATUSES, type GenerationState } from '../../workflows/types.js';
import type { ChaosContext } from './context.js';
import { managedProcess } from './processes.js';
import { startReceiver } from './receiver.js';
import { buildReport, type ChaosReport, type ScenarioResult } from './report.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

const CHAOS_DEFAULTS = { callbackTimeoutMs: 2_000, deadlineMs: 30 * 60_000, pollIntervalMs: 500, maxPollIntervalMs: 2_000 };
const NOTIFY_SECRET = 'whsec_Y2hhb3Mtbm90aWZ5LXNlY3JldC1jaGFvcy1ub3RpZnk=';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ChaosOptions {
  generations: number;
  scenarios: string[];
  log: (line: string) => void;
}

async function sha256File(file: string): Promise<string | undefined> {
  try {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return undefined;
  }
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const { log } = opts;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-chaos-'));
  const storageDir = path.join(dataDir, 'videos');
  const downloadDir = path.join(dataDir, 'downloads');
  const cleanups: (() => Promise<unknown>)[] = [() => rm(dataDir, { recursive: true, force: true })];
  try {
    const cliPath = await resolveTemporalCli({ log });
    const temporalPort = await freePort();
    const dbFile = path.join(dataDir, 'temporal.db');
    let temporal: DevServer = await startDevServer({ cliPath, port: temporalPort, dbFile, headless: true });
    cleanups.push(() => temporal.stop());

    const sim = await startSimulator({ port: 0, ...simulatorKeys });
    cleanups.push(() => sim.close());
    const simCall = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${sim.url}${p}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
      if (!res.ok) throw new Error(`simulator ${method} ${p}: ${res.status} ${await res.text()}`);
      return res.json() as Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const receiver = await startReceiver(NOTIFY_SECRET);
    cleanups.push(() => receiver.close());

    const serverPort = await freePort();
    const env = {
      TEMPORAL_ADDRESS: temporal.address, PORT: String(serverPort), HOST: '127.0.0.1', PUBLIC_BASE_URL: `http://127.0.0.1:${serverPort}`,
      SIMULATOR_PORT: new URL(sim.url).port, DATA_DIR: dataDir, CALLBACK_SECRET: 'chaos-callback-secret', NOTIFY_URL: receiver.url, NOTIFY_SECRET,
      CALLBACK_TIMEOUT: '2s', POLL_INTERVAL: '500ms', MAX_POLL_INTERVAL: '2s', KLING_REQUEST_TIMEOUT: '2s', LOG_LEVEL: 'info',
      KLING_ACCESS_KEY: '', KLING_SECRET_KEY: '', RUNBLOB_API_KEY: '', TEMPORAL_TASK_QUEUE: 'klingflow', WORKER_METRICS_PORT: '0',
    };
    const server = managedProcess('server', 'src/server.ts', env, /Server listening/, log);
    const worker = managedProcess('worker', 'src/worker.ts', env, /"state":"RUNNING"|state: 'RUNNING'/, log);
    cleanups.push(() => server.kill('SIGKILL'), () => worker.kill('SIGKILL'));
    await Promise.all([server.start(), worker.start()]);
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });

    const selected = SCENARIOS.filter((s) => opts.scenarios.includes(s.name));
    const per = Math.max(1, Math.floor(opts.generations / selected.length));
    const results: ScenarioResult[] = [];
    for (const [i, scenario] of selected.entries()) {
      const n = i === selected.length - 1 ? Math.max(1, opts.generations - per * (selected.length - 1)) : per;
      log(`▶ ${scenario.name} (${n} generations): ${scenario.fault}`);
      let ids: string[] = [];
      let started = Date.now();
      const states = new Map<string, GenerationState>();
      const allTerminal = () => ids.length > 0 && ids.every((id) => TERMINAL_GENERATION_STATUSES.includes(states.get(id)?.status ?? 'submitting'));
      const ctx: ChaosContext = {
        client, worker, server, receiver, sleep,
        async restartTemporal() {
          temporal.process.kill('SIGKILL');
          await new Promise((r) => temporal.process.once('exit', r));
          temporal = await startDevServer({ cliPath, port: temporalPort, dbFile, headless: true });
        },
        async waitForDownloadInProgress() {
          for (const end = Date.now() + 60_000; Date.now() < end; await sleep(50)) {
            const parts = (await readdir(downloadDir).catch(() => [] as string[])).filter((f) => f.endsWith('.part'));
            for (const f of parts) if ((await stat(path.join(downloadDir, f)).catch(() => undefined))?.size) return;
          }
          throw new Error('no download in progress within 60 s');
        },
        async waitUntilAllTerminal() {
          while (!allTerminal() && Date.now() - started < scenario.deadlineMs) await sleep(200);
        },
      };
      await simCall('POST', '/_sim/reset');
      await simCall('PUT', '/_sim/config', { processingMs: 800, ...scenario.sim });
      await scenario.before?.(ctx);
      started = Date.now();
      ids = await startAll(scenario, n, client, serverPort);
      const during = scenario.during?.(ctx).catch((err: unknown) => log(`  fault action failed: ${String(err)}`));
      while (!allTerminal() && Date.now() - started < scenario.deadlineMs) {
        await Promise.all(ids.map(async (id) => {
          if (TERMINAL_GENERATION_STATUSES.includes(states.get(id)?.status ?? 'submitting')) return;
          const state = await getGeneration(client, id).catch(() => null); // Temporal may be restarting
          if (state) states.set(id, state);
        }));
        if (!allTerminal()) await sleep(300);
      }
      await during;
      if (!server.running()) await server.start();
      if (!worker.running()) await worker.start();
      receiver.setDown(false);
      results.push(await measure(scenario, ids, states, await simCall('GET', '/_sim/stats'), storageDir, receiver));
      const r = results.at(-1)!;
      log(`  ${r.completed}/${r.started} completed, lost ${r.lost}, duplicates ${r.duplicateProviderTasks + r.duplicateDownloads + r.duplicateStoredObjects + r.duplicateNotifications}`);
    }
    return buildReport(results);
  } finally {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  }
}

async function startAll(scenario: Scenario, n: number, client: Client, serverPort: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const body = { prompt: `chaos ${scenario.name} #${i}`, ...scenario.request };
    if (scenario.viaClient) {
      // The same defaults the server process has (CALLBACK_TIMEOUT, POLL_INTERVAL… in runChaos).
      ids.push((await startGeneration(client, body, { defaults: CHAOS_DEFAULTS })).id);
      continue;
    }
    const res = await fetch(`http://127.0.0.1:${serverPort}/generations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 202) throw new Error(`POST /generations answered ${res.status}: ${await res.text()}`);
    ids.push(((await res.json()) as { id: string }).id);
  }
  return ids;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
async function measure(scenario: Scenario, ids: string[], states: Map<string, GenerationState>, stats: any, storageDir: string, receiver: Awaited<ReturnType<typeof startReceiver>>): Promise<ScenarioResult> {
  const size = (scenario.sim.videoBytes as number | undefined) ?? assetSize();
  const tasks = Object.values(stats.tasks as Record<string, { externalTaskId?: string; videoBytesServed: number }>);
  const r: ScenarioResult = {
    scenario: scenario.name, fault: scenario.fault, started: ids.length, completed: 0, failedByProvider: 0, otherTerminal: 0, lost: 0,
    duplicateProviderTasks: 0, duplicateDownloads: 0, duplicateStoredObjects: 0, duplicateNotifications: 0, missedNotifications: 0,
    missingOrCorruptVideos: 0, notificationRedeliveries: 0, timesToTerminalMs: [],
  };
  const stored = await readdir(storageDir).catch(() => [] as string[]);
  const notified = receiver.stats().idsByEvent;
  for (const id of ids) {
    const state = states.get(id);
    const mine = tasks.filter((t) => t.externalTaskId === id);
    r.duplicateProviderTasks += Math.max(0, mine.length - 1);
    r.duplicateDownloads += mine.reduce((n, t) => n + Math.max(0, Math.floor(t.videoBytesServed / size) - 1), 0);
    r.duplicateStoredObjects += Math.max(0, stored.filter((f) => f.startsWith(id)).length - 1);
    r.duplicateNotifications += [...notified.entries()].filter(([k]) => k.startsWith(`${id} `)).reduce((n, [, set]) => n + set.size - 1, 0);
    if (!state || !TERMINAL_GENERATION_STATUSES.includes(state.status)) {
      r.lost++;
      continue;
    }
    r.timesToTerminalMs.push(Date.parse(state.updatedAt) - Date.parse(state.createdAt));
    if (state.status === 'completed') {
      r.completed++;
      if (!notified.get(`${id} generation.completed`)?.size) r.missedNotifications++;
      const sha = await sha256File(path.join(storageDir, `${id}.mp4`));
      if (!sha || sha !== state.video?.sha256 || !(await stat(path.join(storageDir, `${id}.mp4`))).size) r.missingOrCorruptVideos++;
    } else if (state.status === 'failed' && scenario.sim.outcome === 'failed') r.failedByProvider++;
    else r.otherTerminal++;
  }
  r.notificationRedeliveries = receiver.stats().redeliveries;
  return r;
}
