// Everything a running simulator knows, in one place so reset() can restore it in one place.
import { CallbackDispatcher } from './callbacks.js';
import { defaultConfig, snapshotOf, type ErrorEntry, type SimConfig, type TaskSnapshot } from './control.js';
import { Gateway } from './gateway.js';
import { REFUNDED_FAILURES, RunblobStore, toRunblobCallback, type RunblobGeneration } from './runblob.js';
import { roundCents } from './runblobParams.js';
import { emptyStats, type SimStats, type TaskStats } from './stats.js';
import { TaskStore, type SimTask, type VideoCounters } from './tasks.js';
import { toKlingTask } from './taskView.js';
import { TimerSet } from './timers.js';
import { WebhookRegistry } from './webhooks.js';

/** A result the video route can serve: a succeeded Kling task or a completed RunBlob generation. */
export interface VideoSource {
  snapshot: TaskSnapshot;
  counters: VideoCounters;
}

export class SimState {
  config: SimConfig = defaultConfig();
  readonly stats: SimStats = emptyStats();
  readonly timers = new TimerSet();
  readonly callbacks = new CallbackDispatcher(this.timers);
  readonly webhooks = new WebhookRegistry();
  readonly gateway = new Gateway(this.webhooks, this.callbacks, this.stats, () => this.baseUrl);
  readonly tasks = new TaskStore(this.timers, {
    created: (task) => this.gateway.changed(task),
    changed: (task) => this.onTaskChange(task),
    progress: (task, percent) => this.gateway.progress(task, percent),
  });
  readonly runblob = new RunblobStore(this.timers, (generation) => this.onGenerationChange(generation));
  /** Set once listening; result URLs point here. */
  baseUrl = 'http://127.0.0.1';

  snapshot(): TaskSnapshot {
    return snapshotOf(this.config);
  }

  /** The queues are part of the config (GET /_sim/config shows what is left). */
  takeError(queue: 'submitErrors' | 'pollErrors'): ErrorEntry | undefined {
    return this.config[queue].shift();
  }

  /** Only finished, successful results are on the "CDN". */
  findVideo(id: string): VideoSource | undefined {
    const task = this.tasks.byId(id);
    if (task) return task.status === 'succeed' ? task : undefined;
    const generation = this.runblob.byId(id);
    return generation?.status === 'completed' ? generation : undefined;
  }

  reset(): void {
    this.timers.clearAll();
    this.callbacks.cancelAll();
    this.tasks.clear();
    this.runblob.clear();
    this.webhooks.clear();
    this.config = defaultConfig();
    Object.assign(this.stats, emptyStats());
  }

  close(): void {
    this.timers.clearAll();
    this.callbacks.close();
  }

  statsView(): SimStats & { tasks: Record<string, TaskStats> } {
    const tasks: Record<string, TaskStats> = {};
    for (const t of this.tasks.all()) {
      const { callbacksSent, gatewayDeliveries, videoRequests, videoBytesServed } = t.counters;
      tasks[t.id] = { provider: 'kling', externalTaskId: t.externalTaskId, family: t.family, status: t.status, callbacksSent, gatewayDeliveries, videoRequests, videoBytesServed };
    }
    for (const g of this.runblob.all()) {
      const { callbacksSent, videoRequests, videoBytesServed } = g.counters;
      tasks[g.id] = { provider: 'runblob', externalTaskId: undefined, family: 'o3-video', status: g.status, callbacksSent, gatewayDeliveries: 0, videoRequests, videoBytesServed };
    }
    return { ...this.stats, requests: { ...this.stats.requests }, tasks };
  }

  private onTaskChange(task: SimTask): void {
    this.gateway.changed(task);
    if (task.callbackUrl === undefined) return;
    this.callbacks.send({
      url: task.callbackUrl,
      body: JSON.stringify(toKlingTask(task, this.baseUrl)),
      key: `kling:${task.id}`,
      terminal: task.status === 'succeed' || task.status === 'failed',
      policy: task.snapshot,
      onAttempt: () => {
        this.stats.callbacksSent++;
        task.counters.callbacksSent++;
      },
      onResult: (ok) => void (ok ? this.stats.callbacksDelivered++ : this.stats.callbacksFailed++),
    });
  }

  private onGenerationChange(generation: RunblobGeneration): void {
    if (generation.status === 'failed' && generation.failure !== null && REFUNDED_FAILURES.has(generation.failure)) {
      this.config.runblobCredits = roundCents(this.config.runblobCredits + generation.price);
    }
    // RunBlob calls back on terminal states only.
    const terminal = generation.status === 'completed' || generation.status === 'failed';
    if (!terminal || generation.callbackUrl === undefined) return;
    this.callbacks.send({
      url: generation.callbackUrl,
      body: JSON.stringify(toRunblobCallback(generation, this.baseUrl)),
      key: `runblob:${generation.id}`,
      terminal,
      policy: generation.snapshot,
      onAttempt: () => {
        this.stats.callbacksSent++;
        generation.counters.callbacksSent++;
      },
      onResult: (ok) => void (ok ? this.stats.callbacksDelivered++ : this.stats.callbacksFailed++),
    });
  }
}
