// The programmatic API: start, read, cancel and signal generations through a Temporal
// client. The REST routes and the CLI are thin layers over these functions.
import { createHash, randomUUID } from 'node:crypto';
import { WorkflowFailedError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { videoGeneration } from '../../workflows/videoGeneration.js';
import { providerUpdateSignal, statusQuery } from '../../workflows/messages.js';
import { GenerationStatusKey, KlingTaskId, VideoProvider } from '../../workflows/searchAttributes.js';
import type { GenerationState, GenerationStatus, ProviderName, TaskUpdate } from '../../workflows/types.js';
import { DEFAULTS, parseGenerationRequest, toWorkflowInput, type GenerationDefaults, type ParsedGenerationRequest } from '../generationRequest.js';
import { HttpError } from '../errors.js';

export const DEFAULT_TASK_QUEUE = 'klingflow';
const ID_PATTERN = /^gen-[A-Za-z0-9_-]{1,64}$/;

export interface StartOptions {
  /** Same key → same generation (and a 409 when the request differs). */
  idempotencyKey?: string;
  taskQueue?: string;
  defaults?: GenerationDefaults;
}

export interface StartedGeneration {
  id: string;
  status: GenerationStatus;
  /** false when the idempotency key named a generation that already existed. */
  created: boolean;
}

export function isGenerationId(id: string): boolean {
  return ID_PATTERN.test(id);
}

function generationIdFor(idempotencyKey: string | undefined): string {
  if (!idempotencyKey) return `gen-${randomUUID()}`;
  return `gen-${createHash('sha256').update(idempotencyKey).digest('base64url').slice(0, 32)}`;
}

function summaryOf(prompt: string): string {
  const text = prompt.replace(/\s+/g, ' ').trim() || '(image to video)';
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** Starts a generation; `request` is validated with the same schema as POST /generations. */
export async function startGeneration(client: Client, request: unknown, options: StartOptions = {}): Promise<StartedGeneration> {
  return startParsedGeneration(client, parseGenerationRequest(request), options);
}

/** For callers that validated with GenerationRequestSchema already (the REST route). */
export async function startParsedGeneration(client: Client, parsed: ParsedGenerationRequest, options: StartOptions = {}): Promise<StartedGeneration> {
  const id = generationIdFor(options.idempotencyKey);
  const input = toWorkflowInput(id, parsed, options.defaults ?? DEFAULTS);
  const requestHash = createHash('sha256').update(JSON.stringify(parsed)).digest('hex');
  try {
    await client.workflow.start<typeof videoGeneration>('videoGeneration', {
      workflowId: id,
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      args: [input],
      // An id is never reused, even after the run closed: an idempotency key means one generation.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: VideoProvider, value: input.provider },
        { key: GenerationStatusKey, value: 'submitting' },
      ],
      staticSummary: `${input.request.kind}: ${summaryOf(input.request.prompt)}`,
      staticDetails: [
        `**Prompt**: ${input.request.prompt || '(none)'}`,
        `**Provider**: ${input.provider} · ${input.request.kind}${input.request.model ? ` · ${input.request.model}` : ''}`,
        `**Callback timeout**: ${input.callbackTimeoutMs / 1000} s · **Deadline**: ${input.deadlineMs / 1000} s`,
      ].join('\n\n'),
      memo: { requestHash },
    });
    return { id, status: 'submitting', created: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const description = await client.workflow.getHandle(id).describe();
    if (description.memo?.requestHash !== requestHash) throw new HttpError('IDEMPOTENCY_CONFLICT');
    return { id, status: statusFromDescription(description), created: false };
  }
}

/** The generation's current state, or null when there is no such generation. */
export async function getGeneration(client: Client, id: string): Promise<GenerationState | null> {
  if (!isGenerationId(id)) return null;
  const handle = client.workflow.getHandle(id);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
  try {
    switch (description.status.name) {
      case 'RUNNING':
        return await client.withDeadline(Date.now() + 5_000, () => handle.query(statusQuery));
      case 'COMPLETED':
        return (await handle.result()) as GenerationState;
      case 'FAILED':
        await handle.result();
        break;
      default:
        // cancelled / terminated: the workflow's own view, replayed by a worker
        return await client.withDeadline(Date.now() + 5_000, () => handle.query(statusQuery));
    }
  } catch (err) {
    // Failed generations carry their final state in the failure's details.
    const cause = err instanceof WorkflowFailedError ? err.cause : undefined;
    const details = cause instanceof ApplicationFailure ? cause.details?.[0] : undefined;
    if (details && typeof details === 'object' && 'status' in details) return details as GenerationState;
  }
  return stateFromDescription(description);
}

/** Requests cancellation; false when there is no such running generation. */
export async function cancelGeneration(client: Client, id: string): Promise<boolean> {
  if (!isGenerationId(id)) return false;
  try {
    await client.workflow.getHandle(id).cancel();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/**
 * Delivers a provider update as the `providerUpdate` signal. Resolves once Temporal has
 * durably recorded it; 'ended' when the generation is no longer running (a late duplicate).
 */
export async function signalProviderUpdate(client: Client, id: string, update: TaskUpdate): Promise<'accepted' | 'ended'> {
  try {
    await client.workflow.getHandle(id).signal(providerUpdateSignal, update);
    return 'accepted';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'ended';
    throw err;
  }
}

/** The generation whose provider task is `taskId` (KlingTaskId search attribute), if any. */
export async function findGenerationByTaskId(client: Client, taskId: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(taskId)) return undefined; // also keeps the query injection-free
  for await (const wf of client.workflow.list({ query: `KlingTaskId = "${taskId}"`, pageSize: 1 })) return wf.workflowId;
  return undefined;
}

const CLOSED_STATUS: Partial<Record<string, GenerationStatus>> = {
  CANCELLED: 'cancelled',
  TERMINATED: 'failed',
  TIMED_OUT: 'timed_out',
  FAILED: 'failed',
};

function statusFromDescription(d: WorkflowExecutionDescription): GenerationStatus {
  return CLOSED_STATUS[d.status.name] ?? ((d.typedSearchAttributes.get(GenerationStatusKey) as GenerationStatus | undefined) ?? 'submitting');
}

/** A best-effort view from visibility alone, when no worker can answer the query. */
function stateFromDescription(d: WorkflowExecutionDescription): GenerationState {
  return {
    id: d.workflowId,
    status: statusFromDescription(d),
    provider: (d.typedSearchAttributes.get(VideoProvider) as ProviderName | undefined) ?? 'kling',
    providerTaskId: d.typedSearchAttributes.get(KlingTaskId) ?? null,
    progress: 0,
    prompt: '',
    createdAt: d.startTime.toISOString(),
    updatedAt: (d.closeTime ?? d.startTime).toISOString(),
  };
}
