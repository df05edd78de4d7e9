// 1. Callback intake: POST /webhooks/kling/:id?token=… against (a) raw handle.signal() calls
// at the same concurrency (the engine's limit) and (b) an empty Fastify route (the HTTP limit);
// then the ack p99 at a fixed 200 callbacks/s, against raw signals at the same rate.
// Callback and raw runs take turns, so drift (histories growing, the machine's noise) hits both.
// Both rate runs are open loop. The load is spread over many generations: a provider sends a
// handful of callbacks per task, so hundreds of signals into one workflow would measure that
// workflow's lock and history growth, not intake.
import type { AutocannonRequest } from 'autocannon';
import { callbackToken } from '../providers/callbackToken.js';
import { klingTaskToUpdate, parseKlingTaskBody } from '../providers/klingPayload.js';
import { providerUpdateSignal } from '../../workflows/messages.js';
import type { Benchmark } from './benchmark.js';
import { cpuDuring, settle } from './cpu.js';
import { hasStatus, startGenerations, terminateAll, waitForStates } from './generations.js';
import { timingsOf } from './history.js';
import { combineLoads, httpLoad, httpRate, signalLoad, signalRate, type LoadRun, type SignalTarget } from './load.js';
import { figure, percentile } from './report.js';

const CONCURRENCY = 16;
const RATE = 200;

const rateOf = (r: LoadRun) => Math.round((r.latencies.length / r.elapsedMs) * 1000);
const p99Of = (r: LoadRun) => {
  const p99 = percentile(r.latencies, 99);
  return p99 === null ? null : Math.round(p99 * 10) / 10;
};
const perRequest = (ms: number, requests: number) => (requests ? Math.round((ms / requests) * 1000) / 1000 : null);

export const intake: Benchmark = {
  name: 'intake',
  title: 'Callback intake',
  budgetMs: { full: 8 * 60_000, quick: 3 * 60_000 },
  async run({ env, quick, log, signal }) {
    // The warm-up is long because JIT warm-up is: klingflow's server spends 1.1–1.6 ms of CPU
    // per callback over its first 500 and settles near 0.6 ms after about 3,500 (autocannon,
    // in this process, falls from 0.48 to 0.2 ms per request alike). A server lives for
    // millions of callbacks; its first thousands are not what its users feel.
    const counts = quick ? { generations: 64, amount: 1_000, rateAmount: 800, warmup: 1_000, rounds: 2 } : { generations: 256, amount: 4_000, rateAmount: 3_000, warmup: 4_000, rounds: 6 };
    const ROUNDS = counts.rounds;
    const [sim, temporal, kf, empty] = await Promise.all([env.sim(), env.temporal(), env.klingflow(), env.emptyServer()]);
    const { client } = temporal;
    sim.reset();
    // Long-running generations whose provider never calls back on its own: the bench does.
    sim.configure({ processingMs: 3_600_000, callback: 'drop' });
    const ids = await startGenerations(client, counts.generations, { label: 'intake', defaults: { callbackTimeoutMs: 3_600_000, deadlineMs: 2 * 3_600_000 }, signal });
    try {
      const states = await waitForStates(client, ids, hasStatus('waiting'), 'waiting', 60_000, signal);
      // Valid "processing" callbacks, exactly as the simulator would send them for each task.
      const targets = ids.map((id) => {
        const body = sim.taskBody(states.get(id)!.providerTaskId!);
        const parsed = parseKlingTaskBody(body);
        if (!parsed.ok) throw new Error(`simulator task body does not parse: ${parsed.error}`);
        return {
          request: { method: 'POST', path: `/webhooks/kling/${id}?token=${callbackToken(id, kf.callbackSecret)}`, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } satisfies AutocannonRequest,
          signal: { workflowId: id, signal: providerUpdateSignal.name, arg: klingTaskToUpdate(parsed.value, 'callback', new Date()) } satisfies SignalTarget,
        };
      });
      const requests = targets.map((t) => t.request);
      const signals = targets.map((t) => t.signal);

      // CPU per request in each process shows where a difference in throughput comes from.
      const pids = { bench: process.pid, temporal: temporal.pid, server: kf.server.pid, worker: kf.worker().pid };
      const runs: Record<string, LoadRun[]> = {};
      const cpu: Record<string, Record<string, number>> = {};
      const roundCpu: Record<string, Record<string, number | null>[]> = {};
      const measure = async (label: string, load: () => Promise<LoadRun>) => {
        await settle(Object.values(pids).filter((pid) => pid !== process.pid));
        const { result, cpuMs } = await cpuDuring(pids, load);
        (runs[label] ??= []).push(result);
        for (const [k, ms] of Object.entries(cpuMs)) (cpu[label] ??= {})[k] = (cpu[label]?.[k] ?? 0) + (ms ?? 0);
        (roundCpu[label] ??= []).push(Object.fromEntries(Object.entries(cpuMs).map(([k, ms]) => [k, perRequest(ms ?? 0, result.latencies.length)])));
      };
      const http = (url: string, amount: number) => () => httpLoad({ url, requests, connections: CONCURRENCY, amount, signal });
      const httpAtRate = (amount: number) => () => httpRate({ url: kf.apiUrl, targets: requests.map((r) => ({ path: r.path, headers: r.headers, body: r.body })), rate: RATE, amount, signal });
      const raw = (amount: number) => () => signalLoad(client, signals, { concurrency: CONCURRENCY, amount, signal });
      const rawAtRate = (amount: number) => () => signalRate(client, signals, { rate: RATE, amount, signal });

      log(`  warm-up: ${counts.warmup} of each`);
      await measure('warmup', raw(counts.warmup));
      await measure('warmup', http(kf.apiUrl, counts.warmup));
      await measure('emptyWarmup', http(empty.url, counts.warmup));
      const per = Math.ceil(counts.amount / ROUNDS);
      const perRate = Math.ceil(counts.rateAmount / ROUNDS);
      for (let round = 1; round <= ROUNDS; round++) {
        log(`  round ${round}/${ROUNDS}: ${per} raw signals, ${per} callbacks, ${per} empty POSTs (${CONCURRENCY} in flight); ${perRate} raw signals and ${perRate} callbacks at ${RATE}/s`);
        // Who goes first alternates (ABBA): a machine getting busier or quieter favours neither.
        const pairs: [string, () => Promise<LoadRun>][][] = [
          [['raw', raw(per)], ['intake', http(kf.apiUrl, per)]],
          [['rawAtRate', rawAtRate(perRate)], ['intakeAtRate', httpAtRate(perRate)]],
        ];
        for (const pair of pairs) for (const [label, load] of round % 2 ? pair : [...pair].reverse()) await measure(label, load);
        await measure('empty', http(empty.url, per));
      }
      const [rawRun, intakeRun, emptyRun, rawRate, intakeRate] = ['raw', 'intake', 'empty', 'rawAtRate', 'intakeAtRate'].map((k) => combineLoads(runs[k] ?? []));

      // Every acknowledged signal must be in some history: nothing dropped on the way.
      const recorded = (await Promise.all(ids.map((id) => timingsOf(client, id)))).reduce((n, t) => n + t.signals.filter((s) => s.name === providerUpdateSignal.name).length, 0);
      const acknowledged = Object.entries(runs).reduce((n, [k, rs]) => (k.startsWith('empty') ? n : n + rs.reduce((m, r) => m + r.latencies.length, 0)), 0);
      const lost = Math.max(0, acknowledged - recorded);
      const problems = (failed: number) => [failed && `${failed} requests failed`, lost && `${lost} acknowledged signals missing from histories`].filter(Boolean).join('; ') || undefined;
      const cpuPerRequest = Object.fromEntries(
        Object.entries(cpu).map(([label, byProcess]) => {
          const ok = (runs[label] ?? []).reduce((n, r) => n + r.latencies.length, 0);
          return [label, Object.fromEntries(Object.entries(byProcess).map(([k, ms]) => [k, perRequest(ms, ok)]))];
        }),
      );

      return {
        figures: [
          figure({
            name: `callbacks/s, ${CONCURRENCY} connections`,
            unit: 'req/s',
            value: intakeRun!.perSecond,
            baseline: { name: `raw handle.signal(), ${CONCURRENCY} in flight`, value: rawRun!.perSecond },
            goal: { on: 'ratio', op: '>=', target: 0.8 },
            note: problems(intakeRun!.failed),
          }),
          figure({ name: 'callbacks/s vs the HTTP limit', unit: 'req/s', value: intakeRun!.perSecond, baseline: { name: 'empty Fastify route', value: emptyRun!.perSecond } }),
          figure({ name: `ack p50, ${CONCURRENCY} connections`, unit: 'ms', value: intakeRun!.latency.p50, baseline: { name: 'raw signal p50', value: rawRun!.latency.p50 } }),
          figure({ name: `ack p99, ${CONCURRENCY} connections`, unit: 'ms', value: intakeRun!.latency.p99, baseline: { name: 'raw signal p99', value: rawRun!.latency.p99 } }),
          figure({
            name: `ack p99 at ${RATE} callbacks/s`,
            unit: 'ms',
            value: intakeRate!.latency.p99,
            baseline: { name: `raw signal p99 at ${RATE}/s`, value: rawRate!.latency.p99 },
            goal: { on: 'value', op: '<', target: 50 },
            note: problems(intakeRate!.failed),
          }),
        ],
        details: {
          generations: ids.length,
          concurrency: CONCURRENCY,
          rounds: ROUNDS,
          // intake ÷ raw throughput in each round: how much of the spread is the machine's noise.
          roundRatios: (runs.intake ?? []).map((r, i) => {
            const base = runs.raw?.[i];
            return base ? Math.round((rateOf(r) / rateOf(base)) * 100) / 100 : null;
          }),
          // Each side's rate per round (requests/s), to tell a slow side from a slow machine.
          roundRates: { raw: (runs.raw ?? []).map(rateOf), intake: (runs.intake ?? []).map(rateOf) },
          // Each round's p99 at the fixed rate: slow acks come in bursts, so one round can set the whole p99.
          roundP99sAtRate: { raw: (runs.rawAtRate ?? []).map(p99Of), intake: (runs.intakeAtRate ?? []).map(p99Of) },
          summaries: { raw: rawRun, intake: intakeRun, empty: emptyRun, rawAtRate: rawRate, intakeAtRate: intakeRate },
          cpuMsPerRequest: cpuPerRequest,
          cpuMsPerRequestByRound: { raw: roundCpu.raw, intake: roundCpu.intake, rawAtRate: roundCpu.rawAtRate, intakeAtRate: roundCpu.intakeAtRate },
          signalsAcknowledged: acknowledged,
          signalsRecorded: recorded,
          lost,
        },
      };
    } finally {
      await terminateAll(client, ids);
    }
  },
};
