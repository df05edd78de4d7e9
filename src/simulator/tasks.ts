// Task store and lifecycle (submitted → processing → succeed|failed), driven by unref'd timers.
import { randomInt, randomUUID } from 'node:crypto';
import type { TaskSnapshot } from './control.js';
import type { TaskRequest } from './fields.js';
import type { Family } from './params.js';
import type { TimerSet } from './timers.js';

export type TaskStatus = 'submitted' | 'processing' | 'succeed' | 'failed';
export type { TaskSnapshot };

/** What the result video route needs of a task or RunBlob generation. */
export interface VideoCounters {
  videoRequests: number;
  videoGets: number;
  videoBytesServed: number;
}

export interface SimTask {
  id: string;
  family: Family;
  externalTaskId: string | undefined;
  callbackUrl: string | undefined;
  status: TaskStatus;
  statusMsg: string;
  createdAt: number;
  updatedAt: number;
  duration: string;
  model: string;
  prompt: string;
  units: string;
  videoId: string;
  snapshot: TaskSnapshot;
  counters: VideoCounters & { callbacksSent: number; gatewayDeliveries: number };
}

/** Who hears about a task: callbacks on changes, the event gateway on everything. */
export interface TaskListener {
  created(task: SimTask): void;
  changed(task: SimTask): void;
  /** Progress ticks while processing, in percent; not a status change. */
  progress(task: SimTask, percent: number): void;
}

/** The gateway's progress events: the first comes with "processing", the others spread after it. */
export const PROGRESS_STEPS = [30, 60, 90] as const;

export class DuplicateExternalTaskIdError extends Error {}

export class TaskStore {
  private readonly tasks = new Map<string, SimTask>();
  private readonly byExternalId = new Map<string, SimTask>();

  constructor(
    private readonly timers: TimerSet,
    private readonly listener: TaskListener,
  ) {}

  create(family: Family, request: TaskRequest, snapshot: TaskSnapshot): SimTask {
    const externalTaskId = request.externalTaskId;
    // Unique per account, across families: this is how a retried submit finds its first attempt.
    if (externalTaskId !== undefined && this.byExternalId.has(externalTaskId)) {
      throw new DuplicateExternalTaskIdError(`external_task_id already exists: ${externalTaskId}`);
    }
    const now = Date.now();
    const task: SimTask = {
      id: this.newTaskId(),
      family,
      externalTaskId,
      callbackUrl: request.callbackUrl,
      status: 'submitted',
      statusMsg: '',
      createdAt: now,
      updatedAt: now,
      duration: request.duration,
      model: request.model,
      prompt: request.prompt,
      units: String((request.mode === 'pro' ? 2 : 1) * Math.max(1, Math.round(Number(request.duration) / 5))),
      videoId: randomUUID(),
      snapshot,
      counters: { callbacksSent: 0, gatewayDeliveries: 0, videoRequests: 0, videoGets: 0, videoBytesServed: 0 },
    };
    this.tasks.set(task.id, task);
    if (externalTaskId !== undefined) this.byExternalId.set(externalTaskId, task);
    this.listener.created(task);
    this.schedule(task);
    return task;
  }

  /** Kling accepts either the task_id or the external_task_id in the path. */
  find(family: Family, idOrExternalId: string): SimTask | undefined {
    const task = this.tasks.get(idOrExternalId) ?? this.byExternalId.get(idOrExternalId);
    return task?.family === family ? task : undefined;
  }

  byId(id: string): SimTask | undefined {
    return this.tasks.get(id);
  }

  /** The succeeded task whose result carries this video id (video-extend, lip-sync), any family. */
  byVideoId(videoId: string): SimTask | undefined {
    for (const task of this.tasks.values()) if (task.videoId === videoId && task.status === 'succeed') return task;
    return undefined;
  }

  /** Newest first, like the real list endpoint. */
  list(family: Family): SimTask[] {
    return [...this.tasks.values()].filter((t) => t.family === family).reverse();
  }

  all(): IterableIterator<SimTask> {
    return this.tasks.values();
  }

  clear(): void {
    this.tasks.clear();
    this.byExternalId.clear();
  }

  private schedule(task: SimTask): void {
    const { processingMs, outcome, failureMessage } = task.snapshot;
    const start = Math.min(100, processingMs / 3);
    this.timers.after(start, () => this.transition(task, 'processing', ''));
    // Timers of equal delay fire in creation order, so ticks never overtake the terminal change.
    PROGRESS_STEPS.slice(1).forEach((percent, i) => {
      this.timers.after(start + ((processingMs - start) * (i + 1)) / PROGRESS_STEPS.length, () => {
        if (this.tasks.get(task.id) === task && task.status === 'processing') this.listener.progress(task, percent);
      });
    });
    this.timers.after(processingMs, () =>
      outcome === 'succeed' ? this.transition(task, 'succeed', '') : this.transition(task, 'failed', failureMessage),
    );
  }

  private transition(task: SimTask, status: TaskStatus, message: string): void {
    if (this.tasks.get(task.id) !== task) return; // cleared by a reset meanwhile
    task.status = status;
    task.statusMsg = message;
    task.updatedAt = Date.now();
    this.listener.changed(task);
  }

  private newTaskId(): string {
    for (;;) {
      let id = String(randomInt(1, 10));
      for (let i = 0; i < 17; i++) id += String(randomInt(0, 10));
      if (!this.tasks.has(id)) return id;
    }
  }
}
