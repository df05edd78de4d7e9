// Load generators: HTTP through autocannon, Temporal signals through a client, both closed
// loop (fixed concurrency) or open loop (fixed rate), with per-request latencies kept whole.
import http from 'node:http';
import autocannon, { type AutocannonRequest } from 'autocannon';
import type { Client } from '@temporalio/client';
import { combineLoads, type LoadRun } from './report.js';

export { combineLoads, type LoadRun };

export interface HttpLoad {
  url: string;
  requests: AutocannonRequest[];
  connections: number;
  amount: number;
  /** Open loop: requests per second over all connections. */
  rate?: number;
  signal: AbortSignal;
}

export function httpLoad(opts: HttpLoad): Promise<LoadRun> {
  const latencies: number[] = [];
  let failed = 0;
  // The run's span is from the first request sent to the last answer: autocannon's own setup
  // and wind-down (about a second) are not the server's time.
  let first = Infinity;
  let last = -Infinity;
  // One target after the other across all connections (autocannon's own `requests` list
  // restarts at the first entry on every connection, so all would hit one workflow at once).
  let next = 0;
  const request: AutocannonRequest = { ...opts.requests[0], setupRequest: (req) => ({ ...req, ...opts.requests[next++ % opts.requests.length] }) };
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: opts.url, connections: opts.connections, amount: opts.amount, overallRate: opts.rate, timeout: 30, requests: [request] },
      (err, result) => {
        opts.signal.removeEventListener('abort', stop);
        if (err) return reject(err);
        resolve({ latencies, failed: failed + result.errors + result.timeouts, elapsedMs: Math.max(0, last - first) });
      },
    );
    const stop = () => instance.stop();
    opts.signal.addEventListener('abort', stop, { once: true });
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      const now = performance.now();
      first = Math.min(first, now - ms);
      last = now;
      if (status >= 200 && status < 300) latencies.push(ms);
      else failed++;
    });
  });
}

export interface SignalTarget {
  workflowId: string;
  signal: string;
  arg: unknown;
}

/** `amount` signals over `targets` in turn, `concurrency` in flight at once. */
export async function signalLoad(client: Client, targets: SignalTarget[], opts: { concurrency: number; amount: number; signal: AbortSignal }): Promise<LoadRun> {
  const latencies: number[] = [];
  let failed = 0;
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.amount && !opts.signal.aborted) {
        const t = targets[next++ % targets.length]!;
        const s = performance.now();
        try {
          await client.workflow.getHandle(t.workflowId).signal(t.signal, t.arg);
          latencies.push(performance.now() - s);
        } catch {
          failed++;
        }
      }
    }),
  );
  return { latencies, failed, elapsedMs: performance.now() - began };
}

/** Open loop: one signal every 1/rate s whatever the answers do, `amount` in all. */
export function signalRate(client: Client, targets: SignalTarget[], opts: { rate: number; amount: number; signal: AbortSignal }): Promise<LoadRun> {
  return openLoop(opts, async (i) => {
    const t = targets[i % targets.length]!;
    await client.workflow.getHandle(t.workflowId).signal(t.signal, t.arg);
  });
}

export interface HttpTarget {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * Open loop over HTTP: one POST every 1/rate s over a keep-alive pool, whatever the answers
 * do — the same load model as signalRate, so the two p99s compare. (autocannon's overallRate
 * is closed loop per connection: a slow answer delays the next request, which hides latency.)
 */
export async function httpRate(opts: { url: string; targets: HttpTarget[]; rate: number; amount: number; signal: AbortSignal }): Promise<LoadRun> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const base = new URL(opts.url);
  try {
    return await openLoop(opts, (i) => {
      const t = opts.targets[i % opts.targets.length]!;
      return new Promise<void>((resolve, reject) => {
        const req = http.request({ host: base.hostname, port: base.port, method: 'POST', path: t.path, headers: { ...t.headers, 'content-length': Buffer.byteLength(t.body) }, agent }, (res) => {
          res.resume();
          res.on('end', () => (res.statusCode !== undefined && res.statusCode < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
        });
        req.on('error', reject);
        req.end(t.body);
      });
    });
  } finally {
    agent.destroy();
  }
}

/** Starts call(i) every 1/rate s, `amount` times, never waiting for answers; latency from each start. */
async function openLoop(opts: { rate: number; amount: number; signal: AbortSignal }, call: (i: number) => Promise<void>): Promise<LoadRun> {
  const latencies: number[] = [];
  let failed = 0;
  const inflight: Promise<void>[] = [];
  const began = performance.now();
  for (let i = 0; i < opts.amount && !opts.signal.aborted; i++) {
    const due = began + (i * 1000) / opts.rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const s = performance.now();
    inflight.push(
      call(i).then(
        () => void latencies.push(performance.now() - s),
        () => void failed++,
      ),
    );
  }
  await Promise.all(inflight);
  return { latencies, failed, elapsedMs: performance.now() - began };
}
