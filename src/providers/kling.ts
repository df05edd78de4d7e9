// Kling's official API: JWT auth, the {code,message,request_id,data} envelope, and the
// error-code table turned into Temporal failures (retryable or not) in src/errors.ts.
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, KLING_AUTH_CODES, klingFailure } from '../errors.js';
import type { TaskKind } from '../../workflows/types.js';
import { KeepAliveHttp, type HttpAnswer } from './keepAliveHttp.js';
import { KlingTokenSource, type KlingKeys } from './klingJwt.js';
import { toKlingBody } from './klingRequest.js';
import { KlingTaskSchema, klingTaskToUpdate, type KlingTask } from './klingPayload.js';
import type { TaskProvider } from './provider.js';

export interface KlingClientOptions extends KlingKeys {
  apiBase: string;
  timeoutMs: number;
  http?: KeepAliveHttp;
  nowSec?: () => number;
}

interface Envelope {
  code?: number;
  message?: string;
  request_id?: string;
  data?: unknown;
}

export class KlingClient {
  private readonly tokens: KlingTokenSource;
  private readonly http: KeepAliveHttp;

  constructor(private readonly opts: KlingClientOptions) {
    this.tokens = new KlingTokenSource(opts, opts.nowSec);
    this.http = opts.http ?? new KeepAliveHttp();
  }

  async createTask(kind: TaskKind, body: Record<string, unknown>): Promise<KlingTask> {
    return parseTask(await this.request('POST', `/v1/videos/${kind}`, body));
  }

  async getTask(kind: TaskKind, taskId: string): Promise<KlingTask> {
    return parseTask(await this.request('GET', `/v1/videos/${kind}/${encodeURIComponent(taskId)}`));
  }

  /** The task created with this external_task_id, or null when there is none. */
  async findByExternalId(kind: TaskKind, externalTaskId: string): Promise<KlingTask | null> {
    // providers.md: the look-up is by path or by ?external_task_id= (unconfirmed which);
    // the list form answers an empty array rather than an error, so it goes first.
    const data = await this.request('GET', `/v1/videos/${kind}?external_task_id=${encodeURIComponent(externalTaskId)}&pageNum=1&pageSize=30`);
    const items = Array.isArray(data) ? data : data ? [data] : [];
    for (const item of items) {
      const task = KlingTaskSchema.safeParse(item);
      if (task.success && task.data.task_info?.external_task_id === externalTaskId) return task.data;
    }
    return null;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown, retriedAuth = false): Promise<unknown> {
    let res: HttpAnswer;
    try {
      res = await this.http.send(`${this.opts.apiBase}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.tokens.get()}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: this.opts.timeoutMs,
      });
    } catch (err) {
      // A timeout is an unknown outcome: the task may exist. The submit activity's retry
      // looks it up by external_task_id before creating another.
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw ApplicationFailure.retryable(`Kling ${method} ${path.split('?')[0]} failed: ${reason}`, FailureType.klingNetwork);
    }
    const envelope = readEnvelope(res.text);
    if (res.status >= 200 && res.status < 300 && envelope?.code === 0) return envelope.data;
    const code = typeof envelope?.code === 'number' ? envelope.code : undefined;
    if (code !== undefined && KLING_AUTH_CODES.has(code) && !retriedAuth) {
      this.tokens.invalidate(); // refresh the token once, then fail (providers.md)
      return this.request(method, path, body, true);
    }
    throw klingFailure(res.status, code, envelope?.message ?? res.statusText, envelope?.request_id);
  }
}

/** Kling behind the provider interface: external_task_id makes submits idempotent. */
export function klingProvider(client: KlingClient): TaskProvider {
  const update = (task: KlingTask) => klingTaskToUpdate(task, 'poll', new Date());
  return {
    name: 'kling',
    async findExisting(generationId, request) {
      const task = await client.findByExternalId(request.kind, generationId);
      return task ? update(task) : null;
    },
    async submit(generationId, request, callbackUrl) {
      try {
        return update(await client.createTask(request.kind, toKlingBody(request, generationId, callbackUrl)));
      } catch (err) {
        // An earlier attempt created it after all: Kling refuses a second external_task_id.
        if (!isDuplicateExternalId(err)) throw err;
        const existing = await client.findByExternalId(request.kind, generationId);
        if (existing) return update(existing);
        throw err;
      }
    },
    async get(kind, taskId) {
      return update(await client.getTask(kind, taskId));
    },
  };
}

function isDuplicateExternalId(err: unknown): boolean {
  if (!(err instanceof ApplicationFailure)) return false;
  const detail = err.details?.[0] as { code?: number } | undefined;
  return detail?.code === 1201 && /external_task_id/i.test(err.message);
}

function readEnvelope(text: string): Envelope | undefined {
  try {
    const json: unknown = JSON.parse(text);
    return json && typeof json === 'object' ? (json as Envelope) : undefined;
  } catch {
    return undefined;
  }
}

function parseTask(data: unknown): KlingTask {
  const task = KlingTaskSchema.safeParse(data);
  if (!task.success) {
    throw ApplicationFailure.retryable(`Kling answered an unexpected task shape: ${task.error.issues[0]?.message}`, FailureType.klingUnknown);
  }
  return task.data;
}

// Request bodies per task family live in klingRequest.ts.
export { klingPath, toKlingBody } from './klingRequest.js';
