// Task store and lifecycle (submitted → processing → succeed|failed), driven by unref'd timers.
import { randomInt, randomUUID } from 'node:crypto';
import type { SimConfig } from './control.js';
import type { CreateParams, Family } from './params.js';
import type { TimerSet } from './timers.js';

export type TaskStatus = 'submitted' | 'processing' | 'succeed' | 'failed';

/** Config taken when the task is created: later PUT /_sim/config must not change in-flight tasks. */
export type TaskSnapshot = Pick<
  SimConfig,
  'processingMs' | 'outcome' | 'failureMessage' | 'callback' | 'callbackDelayMs' | 'callbackAttempts' | 'videoBytes' | 'downloadFailAfterBytes'
>;

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
  units: string;
  videoId: string;
  snapshot: TaskSnapshot;
  counters: { callbacksSent: number; videoRequests: number; videoGets: number; videoBytesServed: number };
}

export class DuplicateExternalTaskIdError extends Error {}

export class TaskStore {
  private readonly tasks = new Map<string, SimTask>();
  private readonly byExternalId = new Map<string, SimTask>();

  constructor(
    private readonly timers: TimerSet,
    private readonly onChange: (task: SimTask) => void,
  ) {}

  create(family: Family, params: CreateParams, snapshot: TaskSnapshot): SimTask {
    const externalTaskId = params.external_task_id;
    // Unique per account, across families: this is how a retried submit finds its first attempt.
    if (externalTaskId !== undefined && this.byExternalId.has(externalTaskId)) {
      throw new DuplicateExternalTaskIdError(`external_task_id already exists: ${externalTaskId}`);
    }
    const now = Date.now();
    const task: SimTask = {
      id: this.newTaskId(),
      family,
      externalTaskId,
      callbackUrl: params.callback_url,
      status: 'submitted',
      statusMsg: '',
      createdAt: now,
      updatedAt: now,
      duration: params.duration,
      units: String((params.mode === 'pro' ? 2 : 1) * Math.max(1, Math.round(Number(params.duration) / 5))),
      videoId: randomUUID(),
      snapshot,
      counters: { callbacksSent: 0, videoRequests: 0, videoGets: 0, videoBytesServed: 0 },
    };
    this.tasks.set(task.id, task);
    if (externalTaskId !== undefined) this.byExternalId.set(externalTaskId, task);
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
    this.timers.after(Math.min(100, processingMs / 3), () => this.transition(task, 'processing', ''));
    this.timers.after(processingMs, () =>
      outcome === 'succeed' ? this.transition(task, 'succeed', '') : this.transition(task, 'failed', failureMessage),
    );
  }

  private transition(task: SimTask, status: TaskStatus, message: string): void {
    if (this.tasks.get(task.id) !== task) return; // cleared by a reset meanwhile
    task.status = status;
    task.statusMsg = message;
    task.updatedAt = Date.now();
    this.onChange(task);
  }

  private newTaskId(): string {
    for (;;) {
      let id = String(randomInt(1, 10));
      for (let i = 0; i < 17; i++) id += String(randomInt(0, 10));
      if (!this.tasks.has(id)) return id;
    }
  }
}
