// `npm run bench:callback-cost`: where a callback's CPU goes in the server, measured in one
// process so no other process competes for the cores. Three loads of 16 in flight, taking turns:
//   raw signal    handle.signal() on the native connection, as the server makes it
//   callback      POST /webhooks/kling/:id through the real app and the same client
//   HTTP edge     the same POST with Temporal stubbed out (the signal resolves at once)
// The load generator (autocannon) runs in this process too: its share is in both HTTP rows.
// The signalled workflows have no worker, so Temporal records the signals and nothing else.
import { openSync } from 'node:fs';
import autocannon, { type AutocannonRequest } from 'autocannon';
import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { DEFAULT_GRPC_COMPRESSION } from '../config.js';
import { buildApp } from '../http/app.js';
import { createMetrics } from '../observability/metrics.js';
import { installRuntime } from '../observability/runtime.js';
import { callbackToken } from '../providers/callbackToken.js';
import { klingTaskToUpdate, parseKlingTaskBody } from '../providers/klingPayload.js';
import { connectClient } from '../temporal/connect.js';
import { startDevServer } from '../temporal/devServer.js';
import { resolveTemporalCli } from '../temporal/temporalCli.js';
import { providerUpdateSignal } from '../../workflows/messages.js';
import { startBenchSim } from './sim.js';

const SECRET = 'callback-cost-secret';
const CONCURRENCY = 16;
const PER_RUN = 3_000;
const ROUNDS = 3;

const logger = pino({ level: 'info' }, pino.destination({ dest: openSync('/dev/null', 'w'), sync: false }));
installRuntime(logger, { host: '127.0.0.1', port: undefined });
console.log('starting an in-memory Temporal dev server…');
const dev = await startDevServer({ cliPath: await resolveTemporalCli(), headless: true });
const { client, connection } = await connectClient(dev.address, { namespace: 'default', grpcCompression: DEFAULT_GRPC_COMPRESSION });
const sim = await startBenchSim();
try {
  const { taskId } = await sim.videoTask({ videoBytes: 1_000 });
  const ids = Array.from({ length: 64 }, (_, i) => `gen-00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  for (const id of ids) await client.workflow.start('callbackCostTarget', { taskQueue: 'callback-cost-no-worker', workflowId: id, args: [] });
  const bodyFor = (id: string) => ({ ...sim.taskBody(taskId), task_status: 'processing', task_info: { external_task_id: id } });
  const parsed = parseKlingTaskBody(bodyFor(ids[0]!));
  if (!parsed.ok) throw new Error(`simulator body does not parse: ${parsed.error}`);
  const update = klingTaskToUpdate(parsed.value, 'callback', new Date());

  const stub = { workflow: { getHandle: () => ({ signal: async () => undefined }) }, withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn() } as unknown as Client;
  const appWith = async (c: Client) => {
    const app = buildApp({ client: c, callbackSecret: SECRET, taskQueue: 'q', namespace: 'default', signalTimeoutMs: 10_000, metrics: createMetrics(), rateLimit: false }, logger);
    return { app, url: await app.listen({ port: 0, host: '127.0.0.1' }) };
  };
  const real = await appWith(client);
  const stubbed = await appWith(stub);
  const requests: AutocannonRequest[] = ids.map((id) => ({ method: 'POST', path: `/webhooks/kling/${id}?token=${callbackToken(id, SECRET)}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(bodyFor(id)) }));

  const post = (url: string, amount: number) =>
    new Promise<void>((resolve, reject) => {
      let next = 0;
      const request: AutocannonRequest = { ...requests[0], setupRequest: (r) => ({ ...r, ...requests[next++ % requests.length] }) };
      autocannon({ url, connections: CONCURRENCY, amount, requests: [request] }, (err, result) => (err ? reject(err) : result.non2xx ? reject(new Error(`${result.non2xx} answers were not 2xx`)) : resolve()));
    });
  const raw = async (amount: number) => {
    let sent = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < amount) await client.workflow.getHandle(ids[sent++ % ids.length]!).signal(providerUpdateSignal, update);
      }),
    );
  };
  const loads: [string, (n: number) => Promise<void>][] = [
    ['raw signal', raw],
    ['callback', (n) => post(real.url, n)],
    ['HTTP edge', (n) => post(stubbed.url, n)],
  ];
  for (const [, load] of loads) await load(500); // warm-up: JIT, connections

  const cpuUs: Record<string, number[]> = {};
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, load] of round % 2 ? loads : [...loads].reverse()) {
      const before = process.cpuUsage();
      await load(PER_RUN);
      const used = process.cpuUsage(before);
      (cpuUs[name] ??= []).push((used.user + used.system) / PER_RUN);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nCPU of this process per request, median of ${ROUNDS} rounds of ${PER_RUN} (${CONCURRENCY} in flight):`);
  for (const [name] of loads) console.log(`  ${name.padEnd(11)} ${(median(cpuUs[name]!) / 1000).toFixed(3)} ms   (rounds: ${cpuUs[name]!.map((u) => (u / 1000).toFixed(3)).join(', ')})`);
  await Promise.all([real.app.close(), stubbed.app.close()]);
} finally {
  await sim.close();
  await connection.close();
  await dev.stop();
}
