// 6. Scale of waiting: N generations waiting at once on one worker (a child process, so its
// RSS is its own), the time to admit them all, then proof that the oldest, which the worker
// cache (WORKER_MAX_CACHED_WORKFLOWS, 500 by default) has evicted by then, still resume:
// their late callbacks arrive and they complete. Baseline: as many no-op workflows waiting
// on a signal, first.
import type { Client } from '@temporalio/client';
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../config.js';
import { callbackToken } from '../providers/callbackToken.js';
import type { BaselineInput } from './baseline/workflows.js';
import { SAMPLE_UPDATE } from './baseline/activities.js';
import { baselineUpdateSignal } from './baseline/workflows.js';
import { MiB, mapLimit, until, type BenchContext, type Benchmark } from './benchmark.js';
import { peakSampler, type Child } from './children.js';
import { countWorkflows, startGenerations } from './generations.js';
import { figure } from './report.js';

const START_CONCURRENCY = 50;
const CACHE_SIZE = DEFAULT_MAX_CACHED_WORKFLOWS; // both workers run with the default
const WAIT_MS = 3 * 3_600_000;

interface Phase {
  workflows: number;
  admitMs: number;
  idleRssMiB: number;
  admittedRssMiB: number;
  peakRssMiB: number;
  resumed: number;
  resumeMs: number;
  stillWaiting: number;
  lost: number;
}

export const waitingScale: Benchmark = {
  name: 'waiting-scale',
  title: 'Scale of waiting',
  budgetMs: { full: 30 * 60_000, quick: 8 * 60_000 },
  leavesWorkBehind: true,
  async run(ctx) {
    const { env, quick, log } = ctx;
    const n = quick ? 500 : 5_000;
    const sample = quick ? 100 : 500;
    const [sim, { client }, kf, bl] = await Promise.all([env.sim(), env.temporal(), env.klingflow(), env.baseline()]);
    // Fresh worker processes: their RSS is this benchmark's alone.
    await Promise.all([kf.restartWorker(), bl.restartWorker()]);

    log(`  baseline: ${n} no-op workflows waiting on a signal`);
    const runId = Date.now();
    const input: BaselineInput = { activities: 2, selfSignal: false, waitMs: WAIT_MS, markWaiting: true };
    const baseIds = Array.from({ length: n }, (_, i) => `bench-wait-${runId}-${i}`);
    const base = await phase(ctx, client, bl.worker(), 'baselineGeneration', n, sample, {
      start: () => mapLimit(baseIds, START_CONCURRENCY, (workflowId) => client.workflow.start('baselineGeneration', { taskQueue: bl.taskQueue, workflowId, args: [input] }), ctx.signal).then(() => baseIds),
      resume: (ids) => mapLimit(ids, 20, (id) => client.workflow.getHandle(id).signal(baselineUpdateSignal, SAMPLE_UPDATE), ctx.signal),
    });

    log(`  klingflow: ${n} generations waiting for their provider (callbacks dropped)`);
    sim.reset();
    let ids: string[] = [];
    const defaults = { callbackTimeoutMs: WAIT_MS, deadlineMs: 2 * WAIT_MS };
    const kfPhase = await phase(ctx, client, kf.worker(), 'videoGeneration', n, sample, {
      async start() {
        // The first `sample` tasks finish at once, but their callbacks are lost: they wait like
        // the rest until the bench delivers the callbacks late. The others take an hour.
        sim.configure({ processingMs: 0, callback: 'drop' });
        const early = await startGenerations(client, sample, { label: 'waiting early', defaults, concurrency: START_CONCURRENCY, signal: ctx.signal });
        // A task takes the simulator's settings when the submit activity creates it, after the start.
        await until(async () => sim.state.stats.tasksCreated >= sample, `${sample} early tasks created`, 5 * 60_000, ctx.signal, 100);
        sim.configure({ processingMs: 3_600_000 });
        ids = [...early, ...(await startGenerations(client, n - sample, { label: 'waiting', defaults, concurrency: START_CONCURRENCY, signal: ctx.signal }))];
        return ids;
      },
      async resume(oldest) {
        // The callbacks the simulator dropped, delivered late, exactly as it would have sent them.
        const taskOf = new Map([...sim.state.tasks.all()].map((t) => [t.externalTaskId, t.id]));
        await mapLimit(
          oldest,
          20,
          async (id) => {
            const taskId = taskOf.get(id);
            if (!taskId) throw new Error(`no simulator task for ${id}`);
            const res = await fetch(`${kf.apiUrl}/webhooks/kling/${id}?token=${callbackToken(id, kf.callbackSecret)}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(sim.taskBody(taskId)),
            });
            if (res.status !== 200) throw new Error(`callback for ${id} answered ${res.status}: ${await res.text()}`);
          },
          ctx.signal,
        );
      },
    });

    const evicted = Math.max(0, n - CACHE_SIZE);
    return {
      figures: [
        figure({ name: `worker peak RSS, ${n} generations waiting`, unit: 'MiB', value: kfPhase.peakRssMiB, baseline: { name: `${n} no-op workflows waiting`, value: base.peakRssMiB }, goal: { on: 'value', op: '<', target: 1024 } }),
        figure({ name: `time to admit ${n} (started → all waiting)`, unit: 's', value: kfPhase.admitMs / 1000, baseline: { name: 'no-op workflows', value: base.admitMs / 1000 } }),
        figure({
          name: `lost after ${sample} of the oldest resumed${evicted ? ` (≥ ${evicted} evicted from the cache)` : ' (cache not exceeded)'}`,
          unit: 'workflows',
          value: kfPhase.lost,
          baseline: { name: 'no-op workflows lost', value: base.lost },
          goal: { on: 'value', op: '<=', target: 0 },
          note: kfPhase.lost ? `${kfPhase.resumed}/${sample} resumed to completion, ${kfPhase.stillWaiting}/${n - sample} still waiting` : undefined,
        }),
      ],
      details: {
        workflows: n,
        sample,
        startConcurrency: START_CONCURRENCY,
        cacheSize: CACHE_SIZE,
        klingflow: { ...kfPhase, rssPerWaitingKiB: ((kfPhase.admittedRssMiB - kfPhase.idleRssMiB) * 1024) / n },
        baseline: { ...base, rssPerWaitingKiB: ((base.admittedRssMiB - base.idleRssMiB) * 1024) / n },
      },
    };
  },
};

async function phase(
  { log, signal }: BenchContext,
  client: Client,
  worker: Child,
  type: string,
  n: number,
  sample: number,
  ops: { start(): Promise<string[]>; resume(oldest: string[]): Promise<unknown> },
): Promise<Phase> {
  const mib = (bytes: number | undefined) => (bytes ?? NaN) / MiB;
  const idleRssMiB = mib(worker.rss());
  const rss = peakSampler(() => worker.rss(), 250);
  const since = new Date(Date.now() - 1000).toISOString();
  const count = (status: string) => countWorkflows(client, `WorkflowType = "${type}" AND GenerationStatus = "${status}" AND StartTime > "${since}"`);
  try {
    const began = Date.now();
    const ids = await ops.start();
    let waiting = 0;
    await until(async () => (waiting = await count('waiting')) >= n, `${type}: all ${n} waiting (now ${waiting})`, 20 * 60_000, signal, 1000);
    const admitMs = Date.now() - began;
    const admittedRssMiB = mib(worker.rss());
    log(`    ${n} waiting after ${(admitMs / 1000).toFixed(1)} s; worker RSS ${admittedRssMiB.toFixed(0)} MiB (idle ${idleRssMiB.toFixed(0)} MiB)`);

    const resumedAt = Date.now();
    await ops.resume(ids.slice(0, sample));
    let resumed = 0;
    // Bounded: what has not completed by then counts as lost.
    await until(async () => (resumed = await count('completed')) >= sample, `${type}: ${sample} resumed to completion (now ${resumed})`, Math.max(60_000, sample * 500), signal, 1000).catch(() => undefined);
    const resumeMs = Date.now() - resumedAt;
    const stillWaiting = await count('waiting');
    log(`    ${resumed}/${sample} of the oldest resumed and completed in ${(resumeMs / 1000).toFixed(1)} s; ${stillWaiting} still waiting`);
    return { workflows: n, admitMs, idleRssMiB, admittedRssMiB, peakRssMiB: mib(rss.stop()), resumed, resumeMs, stillWaiting, lost: sample - resumed + (n - sample - stillWaiting) };
  } finally {
    rss.stop();
  }
}
