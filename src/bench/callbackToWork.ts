// 2. Callback to work: from the simulator sending a generation's terminal callback to the
// download activity starting. Send time: the simulator's task updatedAt, set in the tick that
// dispatches the callback (tasks.ts transition → state.ts onTaskChange → callbacks.ts send).
// Start time: the ActivityTaskStarted event of downloadVideo. One machine, one clock.
// Baseline: a no-op workflow signalled by the bench, to the start of its second activity after
// the signal (klingflow's confirm read, then the download).
import { startGeneration } from '../temporal/generations.js';
import { SAMPLE_UPDATE } from './baseline/activities.js';
import { baselineUpdateSignal, type BaselineInput } from './baseline/workflows.js';
import { sleep, type Benchmark } from './benchmark.js';
import { hasStatus, terminateAll, waitForStates } from './generations.js';
import { timingsOf, type Timings } from './history.js';
import { figure, latencyStats } from './report.js';

const PROCESSING_MS = 500;

export const callbackToWork: Benchmark = {
  name: 'callback-to-work',
  title: 'Callback to work',
  budgetMs: { full: 5 * 60_000, quick: 3 * 60_000 },
  async run({ env, quick, log, signal }) {
    const n = quick ? 15 : 60;
    const [sim, { client }, , baseline] = await Promise.all([env.sim(), env.temporal(), env.klingflow(), env.baseline()]);
    sim.reset();
    sim.configure({ processingMs: PROCESSING_MS, callback: 'deliver' });

    // One at a time, taking turns: each run alone on the system (the floor of the latency),
    // and the machine's drift spread over both.
    log(`  ${n} generations and ${n} baseline workflows, one at a time, taking turns`);
    const ids: string[] = [];
    const sent: { workflowId: string; sentAt: number }[] = [];
    try {
      for (let i = 0; i < n; i++) {
        signal.throwIfAborted();
        const { id } = await startGeneration(client, { prompt: `bench callback-to-work #${i}` });
        ids.push(id);
        await client.workflow.getHandle(id).result().catch(() => undefined); // judged below
        // Submit, then after the signal a local no-op (klingflow's confirming read) and the no-op
        // standing in for the download, whose start is the end of the measure.
        const input: BaselineInput = { activities: 3, localSteps: [1], selfSignal: false, waitMs: 120_000 };
        const handle = await client.workflow.start('baselineGeneration', { taskQueue: baseline.taskQueue, workflowId: `bench-ctw-${Date.now()}-${i}`, args: [input] });
        // The provider's timing: the terminal callback comes processingMs after the submit.
        await sleep(PROCESSING_MS);
        const sentAt = Date.now();
        await handle.signal(baselineUpdateSignal, SAMPLE_UPDATE);
        sent.push({ workflowId: handle.workflowId, sentAt });
        await handle.result();
      }
      const states = await waitForStates(client, ids, hasStatus('completed', 'failed', 'timed_out', 'cancelled'), 'finished', 30_000, signal);

      const kf = { total: [] as number[], intake: [] as number[], workflow: [] as number[] };
      // Where the time between the signal and the download goes, hop by hop.
      const { hops, add: hop } = hopRecorder();
      const problems: string[] = [];
      for (const id of ids) {
        const state = states.get(id)!;
        const task = state.providerTaskId ? sim.task(state.providerTaskId) : undefined;
        const t = await timingsOf(client, id);
        const download = t.activities.find((a) => a.type === 'downloadVideo');
        const terminal = t.signals.find((s) => (s.input as { status?: string } | undefined)?.status === 'succeeded');
        if (state.status !== 'completed' || !task || !download?.startedAt || !terminal) {
          problems.push(`${id}: ${state.status}`);
          continue;
        }
        kf.total.push(download.startedAt - task.updatedAt);
        kf.intake.push(terminal.at - task.updatedAt);
        kf.workflow.push(download.startedAt - terminal.at);
        hop('1 callback sent → signal recorded (HTTP + signal)', terminal.at - task.updatedAt);
        // The confirming getTask read is a local activity: it runs inside hop 3's workflow
        // task, which schedules the download as it completes.
        workflowTaskHops(hop, t, terminal.at);
        hop('4 downloadVideo scheduled → started', download.startedAt - download.scheduledAt);
      }
      const bl = { total: [] as number[], workflow: [] as number[] };
      const { hops: baselineHops, add: blHop } = hopRecorder();
      for (const { workflowId, sentAt } of sent) {
        const t = await timingsOf(client, workflowId);
        const second = t.activities[1];
        const got = t.signals[0];
        if (!second?.startedAt || !got) continue;
        // A signal that beat the first activity would measure less than klingflow's case does.
        if (got.at < (t.activities[0]?.closedAt ?? Infinity)) problems.push(`${workflowId}: signal before the first activity ended`);
        bl.total.push(second.startedAt - sentAt);
        bl.workflow.push(second.startedAt - got.at);
        blHop('1 signal sent → signal recorded', got.at - sentAt);
        workflowTaskHops(blHop, t, got.at);
        blHop('4 no-op activity scheduled → started', second.startedAt - second.scheduledAt);
      }
      const p50s = (h: Record<string, number[]>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, latencyStats(v).p50]));
      const total = latencyStats(kf.total);
      const base = latencyStats(bl.total);
      return {
        figures: [
          figure({ name: 'terminal callback sent → download started, p50', unit: 'ms', value: total.p50, baseline: { name: 'signal → local no-op → no-op activity started, p50', value: base.p50 }, goal: { on: 'value', op: '<=', target: 100 }, note: problems.join('; ') || undefined }),
          figure({ name: 'terminal callback sent → download started, p99', unit: 'ms', value: total.p99, baseline: { name: 'same, p99', value: base.p99 } }),
        ],
        details: {
          generations: n,
          processingMs: PROCESSING_MS,
          klingflow: { total, sentToSignalRecorded: latencyStats(kf.intake), signalRecordedToDownloadStarted: latencyStats(kf.workflow), hopsP50: p50s(hops) },
          baseline: { total: base, signalRecordedToActivityStarted: latencyStats(bl.workflow), hopsP50: p50s(baselineHops) },
          problems,
        },
      };
    } finally {
      await terminateAll(client, [...ids, ...sent.map((s) => s.workflowId)]);
    }
  },
};

/** Latencies by hop name; a hop the history lacks (undefined, NaN) is left out. */
function hopRecorder() {
  const hops: Record<string, number[]> = {};
  return { hops, add: (name: string, ms: number | undefined) => void (ms !== undefined && Number.isFinite(ms) && (hops[name] ??= []).push(ms)) };
}

/** Hops 2 and 3, the same in both: the signal's workflow task waiting, then running. */
function workflowTaskHops(add: (name: string, ms: number | undefined) => void, t: Timings, signalAt: number): void {
  const wft = t.workflowTasks.find((w) => w.scheduledAt >= signalAt);
  add('2 signal recorded → workflow task started', wft?.startedAt && wft.startedAt - signalAt);
  add('3 workflow task run (worker)', wft?.completedAt && wft.startedAt && wft.completedAt - wft.startedAt);
}
