// Submit and poll: the two activities that talk to the provider's task API.
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { KlingClient } from '../src/providers/kling.js';
import { toKlingBody } from '../src/providers/kling.js';
import { klingTaskToUpdate, type KlingTask } from '../src/providers/klingPayload.js';
import type { GenerationRequest, TaskKind, TaskUpdate } from '../workflows/types.js';

export interface ProviderTaskDeps {
  kling: KlingClient;
  /** The per-generation callback URL (with its token) given to the provider. */
  callbackUrlFor(generationId: string): string;
}

export interface SubmittedTask {
  taskId: string;
  /** true when the task already existed: an earlier attempt created it. */
  existing: boolean;
  update: TaskUpdate;
}

export function createProviderTaskActivities({ kling, callbackUrlFor }: ProviderTaskDeps) {
  const found = (task: KlingTask): SubmittedTask => ({ taskId: task.task_id, existing: true, update: klingTaskToUpdate(task, 'poll', new Date()) });

  return {
    /**
     * Idempotent submit: external_task_id is the generation id, so a retried attempt (after
     * a timeout whose outcome is unknown) finds the task the first attempt created instead
     * of paying for a second one. The first attempt skips the look-up: one call, not two.
     */
    async submitTask(input: { generationId: string; request: GenerationRequest }): Promise<SubmittedTask> {
      const { generationId, request } = input;
      const log = Context.current().log;
      if (Context.current().info.attempt > 1) {
        const existing = await kling.findByExternalId(request.kind, generationId);
        if (existing) {
          log.info('Submit retry found the task created by an earlier attempt', { taskId: existing.task_id });
          return found(existing);
        }
      }
      try {
        const task = await kling.createTask(request.kind, toKlingBody(request, generationId, callbackUrlFor(generationId)));
        return { taskId: task.task_id, existing: false, update: klingTaskToUpdate(task, 'poll', new Date()) };
      } catch (err) {
        if (!isDuplicateExternalId(err)) throw err;
        const existing = await kling.findByExternalId(request.kind, generationId);
        if (existing) return found(existing);
        throw err;
      }
    },

    /** One read of the task: used for polling and to confirm an unsigned callback. */
    async getTask(input: { kind: TaskKind; taskId: string }): Promise<TaskUpdate> {
      return klingTaskToUpdate(await kling.getTask(input.kind, input.taskId), 'poll', new Date());
    },
  };
}

function isDuplicateExternalId(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return false;
  const detail = err.details?.[0] as { code?: number } | undefined;
  return detail?.code === 1201 && /external_task_id/i.test(err.message);
}
