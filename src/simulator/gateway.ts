// The Kling-style event gateway: each status change (and progress tick) of a Kling task becomes
// `{ event, timestamp, data }`, POSTed and signed to every active endpoint registered for it.
// Not an official Kling format (providers.md): it rides on the callback machinery and knobs.
import { randomUUID } from 'node:crypto';
import type { CallbackDispatcher } from './callbacks.js';
import { klingSignatureHeaders, standardWebhookHeaders } from './signatures.js';
import type { SimStats } from './stats.js';
import { PROGRESS_STEPS, type SimTask, type TaskStatus } from './tasks.js';
import { videoUrl } from './taskView.js';
import type { GatewayEvent, WebhookRegistry } from './webhooks.js';

type JobStatus = 'created' | 'processing' | 'completed' | 'failed';
const JOB_STATUS: Record<TaskStatus, JobStatus> = { submitted: 'created', processing: 'processing', succeed: 'completed', failed: 'failed' };

/** The events of one status change; job.status_changed follows every change. */
const EVENTS: Record<JobStatus, GatewayEvent[]> = {
  created: ['video.created'],
  processing: ['video.processing'],
  completed: ['video.completed', 'job.completed'],
  failed: ['video.failed', 'job.failed'],
};

export class Gateway {
  constructor(
    private readonly registry: WebhookRegistry,
    private readonly dispatcher: CallbackDispatcher,
    private readonly stats: SimStats,
    private readonly baseUrl: () => string,
  ) {}

  changed(task: SimTask): void {
    const status = JOB_STATUS[task.status];
    // Entering "processing" is the first progress step. Built once, and only when someone listens.
    let data: Record<string, unknown> | undefined;
    const lazyData = () => (data ??= this.data(task, status === 'processing' ? PROGRESS_STEPS[0] : undefined));
    for (const event of [...EVENTS[status], 'job.status_changed' as const]) this.emit(task, event, lazyData);
  }

  progress(task: SimTask, percent: number): void {
    this.emit(task, 'video.processing', () => this.data(task, percent));
  }

  private data(task: SimTask, progress: number | undefined): Record<string, unknown> {
    const status = JOB_STATUS[task.status];
    const ended = status === 'completed' || status === 'failed';
    return {
      job_id: task.id,
      status,
      ...(status === 'completed' ? { video_url: videoUrl(this.baseUrl(), task.id) } : {}),
      // The simulator renders no thumbnails; null rather than a URL that would 404.
      thumbnail_url: null,
      duration: Number(task.duration),
      prompt: task.prompt,
      model: task.model,
      created_at: new Date(task.createdAt).toISOString(),
      completed_at: ended ? new Date(task.updatedAt).toISOString() : null,
      ...(progress === undefined ? {} : { progress }),
      ...(status === 'failed' ? { error: task.statusMsg } : {}),
      // Off by default: a receiver must then route by job_id (the Kling task_id) alone.
      ...(task.snapshot.gatewayIncludeExternalId
        ? { task_info: task.externalTaskId === undefined ? {} : { external_task_id: task.externalTaskId } }
        : {}),
    };
  }

  private emit(task: SimTask, event: GatewayEvent, data: () => Record<string, unknown>): void {
    const hooks = this.registry.subscribers(event);
    if (hooks.length === 0) return;
    const body = JSON.stringify({ event, timestamp: Math.floor(Date.now() / 1000), data: data() });
    // One id per event: stable across retries and duplicates, the receiver's idempotency key.
    const id = `msg_${randomUUID()}`;
    const terminal = task.status === 'succeed' || task.status === 'failed';
    for (const hook of hooks) {
      this.dispatcher.send({
        url: hook.url,
        body,
        key: `gateway:${hook.id}:${task.id}`,
        terminal,
        policy: task.snapshot,
        headers: () =>
          task.snapshot.gatewaySignature === 'standard'
            ? standardWebhookHeaders(hook.secret, id, body, Math.floor(Date.now() / 1000))
            : klingSignatureHeaders(hook.secret, body),
        onAttempt: () => {
          this.stats.gatewayDeliveriesSent++;
          task.counters.gatewayDeliveries++;
        },
        onResult: (ok) => void (ok ? this.stats.gatewayDeliveriesDelivered++ : this.stats.gatewayDeliveriesFailed++),
      });
    }
  }
}
