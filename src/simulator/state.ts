// Everything a running simulator knows, in one place so reset() can restore it in one place.
import { CallbackDispatcher } from './callbacks.js';
import { defaultConfig, emptyStats, type ErrorEntry, type SimConfig, type SimStats, type TaskStats } from './control.js';
import { TaskStore, type SimTask, type TaskSnapshot } from './tasks.js';
import { toKlingTask } from './taskView.js';
import { TimerSet } from './timers.js';

export class SimState {
  config: SimConfig = defaultConfig();
  readonly stats: SimStats = emptyStats();
  readonly timers = new TimerSet();
  readonly callbacks = new CallbackDispatcher(this.timers, this.stats);
  readonly tasks = new TaskStore(this.timers, (task) => this.onTaskChange(task));
  /** Set once listening; result URLs point here. */
  baseUrl = 'http://127.0.0.1';

  snapshot(): TaskSnapshot {
    const { processingMs, outcome, failureMessage, callback, callbackDelayMs, callbackAttempts, videoBytes, downloadFailAfterBytes } = this.config;
    return { processingMs, outcome, failureMessage, callback, callbackDelayMs, callbackAttempts, videoBytes, downloadFailAfterBytes };
  }

  /** The queues are part of the config (GET /_sim/config shows what is left). */
  takeError(queue: 'submitErrors' | 'pollErrors'): ErrorEntry | undefined {
    return this.config[queue].shift();
  }

  reset(): void {
    this.timers.clearAll();
    this.callbacks.cancelAll();
    this.tasks.clear();
    this.config = defaultConfig();
    Object.assign(this.stats, emptyStats());
  }

  close(): void {
    this.timers.clearAll();
    this.callbacks.cancelAll();
  }

  statsView(): SimStats & { tasks: Record<string, TaskStats> } {
    const tasks: Record<string, TaskStats> = {};
    for (const t of this.tasks.all()) {
      tasks[t.id] = {
        externalTaskId: t.externalTaskId,
        family: t.family,
        status: t.status,
        callbacksSent: t.counters.callbacksSent,
        videoRequests: t.counters.videoRequests,
        videoBytesServed: t.counters.videoBytesServed,
      };
    }
    return { ...this.stats, requests: { ...this.stats.requests }, tasks };
  }

  private onTaskChange(task: SimTask): void {
    this.callbacks.onStatusChange(task, JSON.stringify(toKlingTask(task, this.baseUrl)));
  }
}
