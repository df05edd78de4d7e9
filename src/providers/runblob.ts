// RunBlob, a Kling reseller: Bearer API key, FastAPI-style `{detail}` errors, terminal-only
// callbacks `{generation_id, status, video_url, model, message}` where `message` is an
// error code. It has no idempotency key, so an ambiguous submit must not be blindly
// retried: it throws SubmitOutcomeUnknown and the workflow waits for the callback first.
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FailureType } from '../errors.js';
import type { GenerationRequest, ProviderError, TaskStatus, TaskUpdate } from '../../workflows/types.js';
import type { ParseResult } from './klingPayload.js';
import type { TaskProvider } from './provider.js';

export interface RunBlobOptions {
  apiBase: string;
  apiKey: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export const RunBlobGenerationSchema = z
  .object({
    generation_id: z.string().min(1).max(100),
    status: z.enum(['pending', 'processing', 'completed', 'failed']),
    video_url: z.url().nullish(),
    model: z.string().nullish(),
    message: z.string().nullish(),
  })
  .loose();
export type RunBlobGeneration = z.infer<typeof RunBlobGenerationSchema>;

const STATUS: Record<RunBlobGeneration['status'], TaskStatus> = { pending: 'submitted', processing: 'processing', completed: 'succeeded', failed: 'failed' };

/** providers.md: change the input for these; TASK_FAILED and MAINTENANCE may be retried; TIMEOUT was refunded. */
const FINAL_CODES = new Set(['CONTENT_POLICY_VIOLATION', 'IMAGE_INACCESSIBLE', 'INVALID_IMAGE']);
const RETRYABLE_CODES = new Set(['TASK_FAILED', 'MAINTENANCE']);

export function runblobError(code: string | null | undefined): ProviderError {
  const c = code || 'TASK_FAILED';
  if (c === 'TIMEOUT') return { code: c, message: 'RunBlob gave up after its 15-minute limit (refunded)', timedOut: true };
  if (RETRYABLE_CODES.has(c)) return { code: c, message: `RunBlob reported ${c}; a new submission may succeed`, retryable: true };
  return { code: c, message: FINAL_CODES.has(c) ? `RunBlob refused the input: ${c}` : `RunBlob reported ${c}` };
}

export function runblobToUpdate(g: RunBlobGeneration, source: TaskUpdate['source'], receivedAt: Date): TaskUpdate {
  const status = STATUS[g.status];
  return {
    provider: 'runblob',
    taskId: g.generation_id,
    status,
    ...(status === 'succeeded' ? { progress: 100 } : {}),
    ...(status === 'succeeded' && g.video_url ? { videos: [{ url: g.video_url }] } : {}),
    ...(status === 'failed' ? { error: runblobError(g.message) } : {}),
    source,
    receivedAt: receivedAt.toISOString(),
  };
}

export function parseRunBlobBody(body: unknown): ParseResult<RunBlobGeneration> {
  const parsed = RunBlobGenerationSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
}

export function toRunBlobBody(request: GenerationRequest, callbackUrl: string): Record<string, unknown> {
  const all = [...(request.imageUrl ? [request.imageUrl] : []), ...(request.imageUrls ?? [])];
  const images = all.length ? all : undefined;
  const body = {
    prompt: request.prompt,
    images_url: images,
    duration: request.duration ?? '5',
    aspect_ratio: request.aspectRatio,
    model: request.model ?? (request.mode === 'pro' ? 'kling_o3_pro' : 'kling_o3'),
    keep_original_sound: request.keepOriginalSound,
    callback_url: callbackUrl,
  };
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined));
}

export function runblobProvider(opts: RunBlobOptions): TaskProvider {
  const doFetch = opts.fetch ?? globalThis.fetch;

  async function call(method: 'GET' | 'POST', path: string, body: unknown, ambiguousIsUnknown: boolean): Promise<unknown> {
    let res: Response;
    try {
      res = await doFetch(`${opts.apiBase}${path}`, {
        method,
        headers: { authorization: `Bearer ${opts.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
    } catch (err) {
      const reason = `RunBlob ${method} ${path} failed: ${(err as Error).message}`;
      if (ambiguousIsUnknown) throw ApplicationFailure.nonRetryable(reason, FailureType.submitOutcomeUnknown);
      throw ApplicationFailure.retryable(reason, FailureType.runblobServer);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) return json;
    const detail = (json as { detail?: unknown } | undefined)?.detail;
    const message = `RunBlob ${res.status}: ${typeof detail === 'string' ? detail : JSON.stringify(detail ?? text.slice(0, 200))}`;
    const details = [{ provider: 'runblob', httpStatus: res.status, detail: detail ?? null }];
    if (res.status === 429 || res.status >= 500) {
      // A 5xx after the request was sent may still have created the generation.
      if (ambiguousIsUnknown && res.status >= 500) throw ApplicationFailure.create({ message, type: FailureType.submitOutcomeUnknown, nonRetryable: true, details });
      throw ApplicationFailure.create({ message, type: FailureType.runblobServer, nonRetryable: false, details });
    }
    const type = res.status === 401 || res.status === 403 ? FailureType.runblobAuth : res.status === 402 ? FailureType.runblobCredits : FailureType.runblobBadRequest;
    throw ApplicationFailure.create({ message, type, nonRetryable: true, details });
  }

  const parse = (data: unknown): RunBlobGeneration => {
    const parsed = parseRunBlobBody(data);
    if (!parsed.ok) throw ApplicationFailure.retryable(`RunBlob answered an unexpected shape: ${parsed.error}`, FailureType.runblobServer);
    return parsed.value;
  };

  return {
    name: 'runblob',
    async findExisting() {
      return null; // no look-up by our id exists
    },
    async submit(_generationId, request, callbackUrl) {
      const created = (await call('POST', '/v1/kling/o3-video/generate', toRunBlobBody(request, callbackUrl), true)) as { generation_id?: unknown; status?: unknown };
      return runblobToUpdate(parse({ ...created, status: created?.status ?? 'pending' }), 'poll', new Date());
    },
    async get(_kind, taskId) {
      return runblobToUpdate(parse(await call('GET', `/v1/kling/o3-video/generations/${encodeURIComponent(taskId)}`, undefined, false)), 'poll', new Date());
    },
  };
}
