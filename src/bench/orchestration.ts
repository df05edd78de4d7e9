// 3. Orchestration overhead: generations per second end to end (simulator at processingMs 0,
// the tiny sample video), against a no-op baseline workflow with as many activities and one
// signal. Rate = count ÷ (last close − first start), both from the Temporal server's clock.
// The two take turns, a batch each per round in ABBA order, so the machine's drift and the
// store's growth hit both alike.
import type { Client } from '@temporalio/client';
import type { BaselineInput } from './baseline/workflows.js';
import { mapLimit, until, type Benchmark } from './benchmark.js';
import { countWorkflows, startGenerations } from './generations.js';
import { timingsOf } from './history.js';
import { cpuDuring, settle as settleCpu } from './cpu.js';
import { figure, latencyStats, perSecond } from './report.js';

const START_CONCURRENCY = 20;

interface Batch {
  workflows: number;
  completed: number;
  elapsedMs: number;
  durationsMs: number[];
}

export const orchestration: Benchmark = {
  name: 'orchestration',
  title: 'Orchestration overhead',
  budgetMs: { full: 8 * 60_000, quick: 3 * 60_000 },
  async run({ env, quick, log, signal }) {
    const { perBatch, rounds } = quick ? { perBatch: 40, rounds: 1 } : { perBatch: 150, rounds: 6 };
    const [sim, temporal, kfProcs, baseline] = await Promise.all([env.sim(), env.temporal(), env.klingflow(), env.baseline()]);
    const { client } = temporal;
    // CPU per workflow in each process: where the difference to the baseline goes.
    const pids = () => ({ bench: process.pid, temporal: temporal.pid, server: kfProcs.server.pid, worker: kfProcs.worker().pid, baselineWorker: baseline.worker().pid });
    const cpu: Record<'klingflow' | 'baseline', Record<string, number>> = { klingflow: {}, baseline: {} };
    const tally = (side: 'klingflow' | 'baseline', cpuMs: Record<string, number | null>) => {
      for (const [k, ms] of Object.entries(cpuMs)) cpu[side][k] = (cpu[side][k] ?? 0) + (ms ?? 0);
    };
    sim.reset();
    sim.configure({ processingMs: 0, callback: 'deliver' });

    // The baseline does as many activities as one generation does: count them in a real one.
    const [pilot] = await startGenerations(client, 1, { label: 'orchestration pilot', signal });
    await client.workflow.getHandle(pilot!).result();
    const pilotTimings = await timingsOf(client, pilot!);
    // In order, local ones included: the baseline runs the same steps, local where klingflow's are.
    const steps = [...pilotTimings.activities.map((a) => ({ type: a.type, eventId: a.eventId, local: false })), ...pilotTimings.localActivities.map((a) => ({ type: a.type, eventId: a.eventId, local: true }))].sort((a, b) => a.eventId - b.eventId);
    const activities = steps.length;
    const localSteps = steps.flatMap((step, i) => (step.local ? [i] : []));
    log(`  a generation runs ${activities} activities (${steps.map((a) => a.type + (a.local ? ' (local)' : '')).join(', ')}) and gets ${pilotTimings.signals.length} signals`);

    let lastBaselineRun = '';
    const klingflow: Batch[] = [];
    const base: Batch[] = [];
    // Shown, not judged: how far single rounds stray from the pooled ratio on this machine.
    const roundRatios: number[] = [];
    const runKlingflow = async (round: number) => {
      const since = new Date();
      const run = await cpuDuring(pids(), async () => {
        const ids = await startGenerations(client, perBatch, { label: `orchestration r${round}`, concurrency: START_CONCURRENCY, signal });
        return settle(client, ids, 'videoGeneration', since, signal);
      });
      klingflow.push(run.result);
      tally('klingflow', run.cpuMs);
    };
    const input: BaselineInput = { activities, localSteps, selfSignal: true, waitMs: 120_000 };
    const runBaseline = async () => {
      const runId = `bench-orch-${Date.now()}`;
      lastBaselineRun = runId;
      const since = new Date();
      const run = await cpuDuring(pids(), async () => {
        const baseIds = await mapLimit(
          Array.from({ length: perBatch }, (_, i) => `${runId}-${i}`),
          START_CONCURRENCY,
          async (workflowId) => (await client.workflow.start('baselineGeneration', { taskQueue: baseline.taskQueue, workflowId, args: [input] })).workflowId,
          signal,
        );
        return settle(client, baseIds, 'baselineGeneration', since, signal);
      });
      base.push(run.result);
      tally('baseline', run.cpuMs);
    };
    // ABBA: the dev server's store grows batch by batch, so neither side always runs second.
    for (let round = 1; round <= rounds; round++) {
      const klingflowFirst = round % 2 === 1;
      log(`  round ${round}/${rounds}: ${perBatch} ${klingflowFirst ? 'generations, then as many baseline workflows' : 'baseline workflows, then as many generations'}`);
      for (const side of klingflowFirst ? (['klingflow', 'baseline'] as const) : (['baseline', 'klingflow'] as const)) {
        await settleCpu(Object.values(pids()).filter((pid) => pid !== process.pid));
        await (side === 'klingflow' ? runKlingflow(round) : runBaseline());
      }
      const [k, b] = [klingflow.at(-1)!, base.at(-1)!];
      roundRatios.push(k.completed / k.elapsedMs / (b.completed / b.elapsedMs));
      log(`    ${perSecond(k.completed, k.elapsedMs)?.toFixed(1)} vs ${perSecond(b.completed, b.elapsedMs)?.toFixed(1)} /s: ${roundRatios.at(-1)!.toFixed(2)}×`);
    }

    const total = (batches: Batch[]) => ({
      workflows: batches.reduce((n, b) => n + b.workflows, 0),
      completed: batches.reduce((n, b) => n + b.completed, 0),
      perSecond: perSecond(
        batches.reduce((n, b) => n + b.completed, 0),
        batches.reduce((n, b) => n + b.elapsedMs, 0),
      ),
      durationMs: latencyStats(batches.flatMap((b) => b.durationsMs)),
    });
    const kf = total(klingflow);
    const bl = total(base);
    // What each costs the engine: history events and workflow tasks of one of each.
    const baseSample = await timingsOf(client, `${lastBaselineRun}-0`);
    const shape = (t: typeof pilotTimings) => ({ historyEvents: t.events, workflowTasks: t.workflowTasks.length, activities: t.activities.length, localActivities: t.localActivities.length, signals: t.signals.length });
    const lost = kf.workflows - kf.completed;
    return {
      figures: [
        figure({
          name: 'generations/s end to end',
          unit: '/s',
          value: kf.perSecond,
          baseline: { name: `no-op workflow, ${activities} activities${localSteps.length ? ` (${localSteps.length} local)` : ''} + 1 signal`, value: bl.perSecond },
          goal: { on: 'ratio', op: '>=', target: 0.7 },
          note: lost ? `${lost} generations did not complete` : undefined,
        }),
        figure({ name: 'start → completed, p50', unit: 'ms', value: kf.durationMs.p50, baseline: { name: 'no-op workflow p50', value: bl.durationMs.p50 } }),
      ],
      details: {
        perWorkflow: { klingflow: shape(pilotTimings), baseline: shape(baseSample) },
        cpuMsPerWorkflow: Object.fromEntries(Object.entries(cpu).map(([side, byProcess]) => [side, Object.fromEntries(Object.entries(byProcess).map(([k, ms]) => [k, Math.round((ms / (rounds * perBatch)) * 100) / 100]))])),
        rounds, perBatch, roundRatios: roundRatios.map((r) => Math.round(r * 100) / 100), startConcurrency: START_CONCURRENCY, klingflow: kf, baseline: bl },
    };
  },
};

/** Waits for a batch to close and reads its span from the server's own timestamps. */
async function settle(client: Client, ids: string[], type: string, since: Date, signal: AbortSignal): Promise<Batch> {
  // Visibility may trail the starts by a moment: a second early is harmless, the ids decide.
  const after = new Date(since.getTime() - 1000).toISOString();
  await until(async () => (await countWorkflows(client, `WorkflowType = "${type}" AND ExecutionStatus = "Running" AND StartTime > "${after}"`)) === 0, `${type} batch to finish`, 5 * 60_000, signal, 250);
  const described = await mapLimit(ids, 20, (id) => client.workflow.getHandle(id).describe());
  const starts = described.map((d) => d.startTime.getTime());
  const closes = described.flatMap((d) => (d.closeTime ? [d.closeTime.getTime()] : []));
  const completed = described.filter((d) => d.status.name === 'COMPLETED');
  return {
    workflows: ids.length,
    completed: completed.length,
    elapsedMs: Math.max(...closes) - Math.min(...starts),
    durationsMs: completed.map((d) => d.closeTime!.getTime() - d.startTime.getTime()),
  };
}
