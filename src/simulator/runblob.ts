// RunBlob generations (a Kling reseller on the same server): store, lifecycle pending →
// processing → completed|failed on the Kling task timing, and the shapes RunBlob shows them in.
import { randomUUID } from 'node:crypto';
import type { RunblobFailure, TaskSnapshot } from './control.js';
import type { RunblobRequest } from './runblobParams.js';
import type { VideoCounters } from './tasks.js';
import { videoUrl } from './taskView.js';
import type { TimerSet } from './timers.js';

export type RunblobStatus = 'pending' | 'processing' | 'completed' | 'failed';

export interface RunblobGeneration {
  id: string;
  status: RunblobStatus;
  prompt: string;
  model: RunblobRequest['model'];
  duration: string;
  callbackUrl: string | undefined;
  price: number;
  /** Decided at creation (outcome, runblobFailure, runblobFailTimes); null = it will succeed. */
  failure: RunblobFailure | null;
  createdAt: number;
  updatedAt: number;
  snapshot: TaskSnapshot;
  counters: VideoCounters & { callbacksSent: number };
}

/** providers.md: these two are refunded; the others are charged. */
export const REFUNDED_FAILURES: ReadonlySet<RunblobFailure> = new Set(['TIMEOUT', 'TASK_FAILED']);

export class RunblobStore {
  private readonly generations = new Map<string, RunblobGeneration>();

  constructor(
    private readonly timers: TimerSet,
    private readonly onChange: (generation: RunblobGeneration) => void,
  ) {}

  create(request: RunblobRequest, price: number, failure: RunblobFailure | null, snapshot: TaskSnapshot): RunblobGeneration {
    const now = Date.now();
    const generation: RunblobGeneration = {
      id: randomUUID(),
      status: 'pending',
      prompt: request.prompt,
      model: request.model,
      duration: request.duration,
      callbackUrl: request.callback_url ?? undefined,
      price,
      failure,
      createdAt: now,
      updatedAt: now,
      snapshot,
      counters: { callbacksSent: 0, videoRequests: 0, videoGets: 0, videoBytesServed: 0 },
    };
    this.generations.set(generation.id, generation);
    const { processingMs } = snapshot;
    this.timers.after(Math.min(100, processingMs / 3), () => this.transition(generation, 'processing'));
    this.timers.after(processingMs, () => this.transition(generation, failure === null ? 'completed' : 'failed'));
    return generation;
  }

  byId(id: string): RunblobGeneration | undefined {
    return this.generations.get(id);
  }

  all(): IterableIterator<RunblobGeneration> {
    return this.generations.values();
  }

  clear(): void {
    this.generations.clear();
  }

  private transition(generation: RunblobGeneration, status: RunblobStatus): void {
    if (this.generations.get(generation.id) !== generation) return; // cleared by a reset meanwhile
    generation.status = status;
    generation.updatedAt = Date.now();
    this.onChange(generation);
  }
}

/** GET /v1/kling/o3-video/generations/{id}. */
export function toRunblobStatus(g: RunblobGeneration, baseUrl: string) {
  return { ...toRunblobCallback(g, baseUrl), prompt: g.prompt };
}

/** The callback body: terminal states only, `message` null or the failure code. */
export function toRunblobCallback(g: RunblobGeneration, baseUrl: string) {
  return {
    generation_id: g.id,
    status: g.status,
    video_url: g.status === 'completed' ? videoUrl(baseUrl, g.id) : null,
    model: g.model,
    message: g.status === 'failed' ? g.failure : null,
  };
}
