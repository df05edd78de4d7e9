// Submit and poll: the two activities that talk to a provider's task API.
import { Context } from '@temporalio/activity';
import type { TaskProviders } from '../src/providers/provider.js';
import type { GenerationRequest, ProviderName, TaskKind, TaskUpdate } from '../workflows/types.js';

export interface ProviderTaskDeps {
  providers: TaskProviders;
  /** The per-generation callback URL (with its token) given to the provider. */
  callbackUrlFor(provider: ProviderName, generationId: string): string;
}

export interface SubmittedTask {
  taskId: string;
  /** true when the task already existed: an earlier attempt created it. */
  existing: boolean;
  update: TaskUpdate;
}

export function createProviderTaskActivities({ providers, callbackUrlFor }: ProviderTaskDeps) {
  return {
    /**
     * Idempotent submit: a retried attempt (after a timeout whose outcome is unknown) finds
     * the task the first attempt created instead of paying for a second one. The first
     * attempt skips the look-up: one call, not two.
     */
    async submitTask(input: { generationId: string; provider: ProviderName; request: GenerationRequest }): Promise<SubmittedTask> {
      const { generationId, request } = input;
      const provider = providers[input.provider];
      if (Context.current().info.attempt > 1) {
        const existing = await provider.findExisting(generationId, request);
        if (existing) {
          Context.current().log.info('Submit retry found the task created by an earlier attempt', { taskId: existing.taskId });
          return { taskId: existing.taskId, existing: true, update: existing };
        }
      }
      const update = await provider.submit(generationId, request, callbackUrlFor(input.provider, generationId));
      return { taskId: update.taskId, existing: false, update };
    },

    /** One read of the task: used for polling and to confirm an unsigned callback. */
    async getTask(input: { provider: ProviderName; kind: TaskKind; taskId: string }): Promise<TaskUpdate> {
      return providers[input.provider].get(input.kind, input.taskId);
    },
  };
}
