// The Kling API proper: /v1/videos/<family> create, get and list, behind the JWT check.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { verifyKlingAuthorization, type KlingKeys } from './auth.js';
import { formatZodError, isErrorEntry, type ErrorEntry } from './control.js';
import { resolveSource } from './editParams.js';
import { codeForStatus, defaultMessage, sendKlingError, sendSuccess, statusForCode } from './envelope.js';
import { createSchemas, FAMILIES, ListQuerySchema, type Family } from './params.js';
import { isRunblobPath } from './runblobRoutes.js';
import type { SimState } from './state.js';
import { DuplicateExternalTaskIdError } from './tasks.js';
import { toKlingTask } from './taskView.js';
import { sleep } from './timers.js';

/** All of /v1 except RunBlob's /v1/kling, which shares the server but not the auth. */
export const isKlingPath = (url: string): boolean =>
  (url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?')) && !isRunblobPath(url);

// multi-image2video takes four base64 images of up to 10 MB each.
const CREATE_BODY_LIMIT = 64 * 1024 * 1024;

export function registerKlingRoutes(app: FastifyInstance, state: SimState, keys: KlingKeys): void {
  app.addHook('onRequest', async (request, reply) => {
    if (!isKlingPath(request.url)) return;
    const auth = verifyKlingAuthorization(request.headers.authorization, keys, Math.floor(Date.now() / 1000));
    if (!auth.ok) return sendKlingError(reply, 401, auth.code, auth.message);
  });

  for (const family of FAMILIES) {
    app.post(`/v1/videos/${family}`, { bodyLimit: CREATE_BODY_LIMIT }, (request, reply) => create(state, family, request.body, reply));
    app.get<{ Params: { id: string } }>(`/v1/videos/${family}/:id`, (request, reply) =>
      withPollErrors(state, reply, () => {
        const task = state.tasks.find(family, request.params.id);
        return task ? toKlingTask(task, state.baseUrl) : undefined;
      }),
    );
    app.get(`/v1/videos/${family}`, (request, reply) => {
      const query = ListQuerySchema.safeParse(request.query);
      if (!query.success) return sendKlingError(reply, 400, 1201, formatZodError(query.error));
      const { pageNum, pageSize, external_task_id: externalId } = query.data;
      return withPollErrors(state, reply, () => {
        const all = state.tasks.list(family).filter((t) => externalId === undefined || t.externalTaskId === externalId);
        return all.slice((pageNum - 1) * pageSize, pageNum * pageSize).map((t) => toKlingTask(t, state.baseUrl));
      });
    });
  }
}

async function create(state: SimState, family: Family, body: unknown, reply: FastifyReply): Promise<FastifyReply> {
  const entry = state.takeError('submitErrors');
  if (entry && !entry.afterCreate) {
    await sleep(entry.delayMs ?? 0);
    if (isErrorEntry(entry)) return answerEntry(reply, entry);
  }
  const params = createSchemas[family].safeParse(body);
  if (!params.success) return sendKlingError(reply, 400, 1201, formatZodError(params.error));
  // video-extend and lip-sync: the video_id must name a succeeded result of this account.
  const source = params.data.source;
  const request = resolveSource(params.data, source && state.tasks.byVideoId(source.videoId));
  if (typeof request === 'string') return sendKlingError(reply, 400, 1201, request);
  let data;
  try {
    const task = state.tasks.create(family, request, state.snapshot());
    state.stats.tasksCreated++;
    data = toKlingTask(task, state.baseUrl);
  } catch (err) {
    if (err instanceof DuplicateExternalTaskIdError) return sendKlingError(reply, 400, 1201, err.message);
    throw err;
  }
  // The task exists now; an afterCreate entry only changes what (and when) the client hears.
  if (entry?.afterCreate) {
    await sleep(entry.delayMs ?? 0);
    if (isErrorEntry(entry)) return answerEntry(reply, entry);
  }
  return sendSuccess(reply, data);
}

async function withPollErrors(state: SimState, reply: FastifyReply, lookUp: () => unknown): Promise<FastifyReply> {
  const entry = state.takeError('pollErrors');
  if (entry && !entry.afterCreate) {
    await sleep(entry.delayMs ?? 0);
    if (isErrorEntry(entry)) return answerEntry(reply, entry);
  }
  const data = lookUp();
  if (entry?.afterCreate) {
    await sleep(entry.delayMs ?? 0);
    if (isErrorEntry(entry)) return answerEntry(reply, entry);
  }
  if (data === undefined) return sendKlingError(reply, 404, 1203, 'Task not found');
  return sendSuccess(reply, data);
}

function answerEntry(reply: FastifyReply, entry: ErrorEntry): FastifyReply {
  // Status and code as given: real Kling answers e.g. 1303 with HTTP 200 at times.
  const status = entry.status ?? statusForCode(entry.code as number);
  const code = entry.code ?? codeForStatus(status);
  return sendKlingError(reply, status, code, entry.message ?? defaultMessage(code));
}
