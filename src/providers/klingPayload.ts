// The Kling task object, as the API returns it and as callbacks deliver it (bare, or
// wrapped in {code,message,data} by some gateways). Parsed leniently: unknown fields are
// kept, numbers may arrive as strings and vice versa.
import { z } from 'zod';
import type { ProviderVideo, TaskStatus, TaskUpdate } from '../../workflows/types.js';

const idString = z.union([z.string().min(1), z.number()]).transform(String);

const KlingVideoSchema = z
  .object({
    id: idString.optional(),
    url: z.url(),
    duration: z.union([z.string(), z.number()]).optional(),
  })
  .loose();

export const KlingTaskSchema = z
  .object({
    task_id: idString,
    task_status: z.enum(['submitted', 'processing', 'succeed', 'failed']),
    task_status_msg: z.string().nullish(),
    task_info: z.object({ external_task_id: z.string().nullish() }).loose().nullish(),
    task_result: z.object({ videos: z.array(KlingVideoSchema).nullish() }).loose().nullish(),
    created_at: z.union([z.number(), z.string()]).optional(),
    updated_at: z.union([z.number(), z.string()]).optional(),
  })
  .loose();
export type KlingTask = z.infer<typeof KlingTaskSchema>;

const EnvelopeSchema = z.object({ code: z.union([z.number(), z.string()]), data: z.unknown() }).loose();

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

/** Accepts the bare task object or the {code,message,data} envelope around it. */
export function parseKlingTaskBody(body: unknown): ParseResult<KlingTask> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, error: '(body): expected a JSON object' };
  }
  const wrapped = !('task_id' in body) && EnvelopeSchema.safeParse(body).success;
  const candidate = wrapped ? (body as { data: unknown }).data : body;
  const parsed = KlingTaskSchema.safeParse(candidate);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, error: describeIssues(parsed.error, wrapped ? 'data' : '') };
}

const STATUS: Record<KlingTask['task_status'], TaskStatus> = {
  submitted: 'submitted',
  processing: 'processing',
  succeed: 'succeeded',
  failed: 'failed',
};

export function klingTaskToUpdate(task: KlingTask, source: TaskUpdate['source'], receivedAt: Date): TaskUpdate {
  const status = STATUS[task.task_status];
  const videos: ProviderVideo[] | undefined = task.task_result?.videos?.map((v) => ({
    id: v.id,
    url: v.url,
    durationSec: v.duration === undefined || Number.isNaN(Number(v.duration)) ? undefined : Number(v.duration),
  }));
  return {
    provider: 'kling',
    taskId: task.task_id,
    status,
    ...(status === 'succeeded' ? { progress: 100 } : {}),
    ...(videos?.length ? { videos } : {}),
    ...(status === 'failed'
      ? { error: { code: 'PROVIDER_TASK_FAILED', message: task.task_status_msg || 'Kling reported the task as failed' } }
      : {}),
    source,
    receivedAt: receivedAt.toISOString(),
  };
}
