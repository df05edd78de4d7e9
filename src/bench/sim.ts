// The Kling simulator in the bench's own process, with its state at hand: the bench reads
// task timestamps and counters directly instead of adding hooks to src/simulator.
import { simulatorKeys } from '../config.js';
import { buildSimulator } from '../simulator/app.js';
import { applyPatch, ConfigPatchSchema, type ConfigPatch } from '../simulator/control.js';
import type { SimState } from '../simulator/state.js';
import type { SimTask } from '../simulator/tasks.js';
import { toKlingTask, videoUrl, type KlingTask } from '../simulator/taskView.js';

export interface BenchSim {
  url: string;
  port: number;
  state: SimState;
  configure(patch: ConfigPatch): void;
  reset(): void;
  /** Kling API requests (create, get, list) since the last reset. */
  apiCalls(): number;
  task(taskId: string): SimTask | undefined;
  /** The task exactly as the simulator's callback body would carry it now. */
  taskBody(taskId: string): KlingTask;
  /** A finished task serving a video of `videoBytes`, created directly in the store. */
  videoTask(patch: ConfigPatch): Promise<{ taskId: string; url: string }>;
  close(): Promise<void>;
}

export async function startBenchSim(): Promise<BenchSim> {
  const { app, state } = buildSimulator({ port: 0, ...simulatorKeys });
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  state.baseUrl = address.replace(/\/+$/, '');
  const url = state.baseUrl;
  const task = (taskId: string) => state.tasks.byId(taskId);
  const configure = (patch: ConfigPatch) => void (state.config = applyPatch(state.config, ConfigPatchSchema.parse(patch)));
  return {
    url,
    port: Number(new URL(url).port),
    state,
    configure,
    reset: () => state.reset(),
    apiCalls: () => Object.entries(state.stats.requests).reduce((n, [key, count]) => (/ \/v1\/videos\//.test(key) ? n + count : n), 0),
    task,
    taskBody(taskId) {
      const t = task(taskId);
      if (!t) throw new Error(`simulator has no task ${taskId}`);
      return toKlingTask(t, url);
    },
    async videoTask(patch) {
      const before = state.config;
      configure({ ...patch, processingMs: 0, callback: 'drop' });
      const created = state.tasks.create('text2video', { externalTaskId: undefined, callbackUrl: undefined, model: 'kling-v1', mode: 'std', duration: '5', prompt: 'bench video' }, state.snapshot());
      state.config = before;
      while (created.status !== 'succeed') await new Promise((r) => setTimeout(r, 10));
      return { taskId: created.id, url: videoUrl(url, created.id) };
    },
    close: () => app.close(),
  };
}
