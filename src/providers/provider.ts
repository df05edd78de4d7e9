// The one interface every task provider implements, so one workflow serves them all.
// Callback parsing and delivery verification live beside each provider, at the HTTP edge.
import type { GenerationRequest, ProviderName, TaskKind, TaskUpdate } from '../../workflows/types.js';

export interface TaskProvider {
  readonly name: ProviderName;
  /**
   * The task an earlier submit attempt created for this generation, or null. Providers
   * without an idempotency key cannot tell: they answer null and their submit throws
   * SubmitOutcomeUnknown on an ambiguous failure instead (see the workflow).
   */
  findExisting(generationId: string, request: GenerationRequest): Promise<TaskUpdate | null>;
  submit(generationId: string, request: GenerationRequest, callbackUrl: string): Promise<TaskUpdate>;
  get(kind: TaskKind, taskId: string): Promise<TaskUpdate>;
}

export type TaskProviders = Record<ProviderName, TaskProvider>;
