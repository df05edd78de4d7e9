// RunBlob's API on the simulator: Bearer API key, FastAPI-style `{ detail }` errors. Paths
// under /v1/kling are RunBlob's and stay out of the Kling JWT check (klingRoutes.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isErrorEntry, type ErrorEntry, type RunblobFailure, type SimConfig } from './control.js';
import { statusForCode } from './envelope.js';
import { toRunblobStatus } from './runblob.js';
import { roundCents, runblobPrice, RunblobRequestSchema, toFastApiErrors } from './runblobParams.js';
import type { SimState } from './state.js';
import { sleep } from './timers.js';

export const DEFAULT_RUNBLOB_API_KEY = 'sim-runblob-key';

export const isRunblobPath = (url: string): boolean => /^\/v1\/kling(?:[/?]|$)/.test(url);
const KNOWN_PATH = /^\/v1\/kling\/o3-video\/(?:generate|generations\/[^/?]+)(?:\?.*)?$/;

// Up to five base64 images of up to 10 MB each.
const GENERATE_BODY_LIMIT = 96 * 1024 * 1024;

export function registerRunblobRoutes(app: FastifyInstance, state: SimState, apiKey: string): void {
  // A preHandler, so like FastAPI an unknown route is 404 and bad JSON 422 before the key check.
  const preHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!sameKey(request.headers.authorization, apiKey)) return reply.code(401).send({ detail: 'Invalid API key' });
  };

  app.post('/v1/kling/o3-video/generate', { preHandler, bodyLimit: GENERATE_BODY_LIMIT }, async (request, reply) => {
    const entry = state.takeError('submitErrors');
    if (entry && !entry.afterCreate) {
      await sleep(entry.delayMs ?? 0);
      if (isErrorEntry(entry)) return answerEntry(reply, entry);
    }
    const params = RunblobRequestSchema.safeParse(request.body);
    if (!params.success) return reply.code(422).send({ detail: toFastApiErrors(params.error, request.body) });
    const price = runblobPrice(params.data);
    if (state.config.runblobCredits < price) return reply.code(402).send({ detail: 'INSUFFICIENT_CREDITS' });
    state.config.runblobCredits = roundCents(state.config.runblobCredits - price);
    const generation = state.runblob.create(params.data, price, takeFailure(state.config), state.snapshot());
    state.stats.runblobGenerationsCreated++;
    // The generation exists (and was charged) now; an afterCreate entry only changes what the client hears.
    if (entry?.afterCreate) {
      await sleep(entry.delayMs ?? 0);
      if (isErrorEntry(entry)) return answerEntry(reply, entry);
    }
    return reply.code(200).send({ generation_id: generation.id, status: 'pending', price });
  });

  app.get<{ Params: { id: string } }>('/v1/kling/o3-video/generations/:id', { preHandler }, async (request, reply) => {
    const entry = state.takeError('pollErrors');
    if (entry && !entry.afterCreate) {
      await sleep(entry.delayMs ?? 0);
      if (isErrorEntry(entry)) return answerEntry(reply, entry);
    }
    const generation = state.runblob.byId(request.params.id);
    const view = generation && toRunblobStatus(generation, state.baseUrl);
    if (entry?.afterCreate) {
      await sleep(entry.delayMs ?? 0);
      if (isErrorEntry(entry)) return answerEntry(reply, entry);
    }
    if (!view) return reply.code(404).send({ detail: 'Generation not found' });
    return reply.code(200).send(view);
  });
}

/** Unmatched /v1/kling requests, as FastAPI answers them. */
export function runblobNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return KNOWN_PATH.test(request.url) ? reply.code(405).send({ detail: 'Method Not Allowed' }) : reply.code(404).send({ detail: 'Not Found' });
}

/** Body errors raised before the handler: FastAPI turns them into 422s. */
export function runblobBodyError(error: FastifyError, reply: FastifyReply): FastifyReply {
  const status = error.statusCode ?? 500;
  if (status >= 500) return reply.code(500).type('text/plain; charset=utf-8').send('Internal Server Error');
  if (status === 413) return reply.code(413).send({ detail: 'Request Entity Too Large' });
  const detail =
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
      ? { type: 'missing', loc: ['body'], msg: 'Field required', input: null }
      : { type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: error.message } };
  return reply.code(422).send({ detail: [detail] });
}

/** outcome "failed" fails every generation, or only the next runblobFailTimes ones (counted down). */
function takeFailure(config: SimConfig): RunblobFailure | null {
  if (config.outcome !== 'failed') return null;
  if (config.runblobFailTimes === undefined) return config.runblobFailure;
  if (config.runblobFailTimes === 0) return null;
  config.runblobFailTimes--;
  return config.runblobFailure;
}

// RunBlob's own wording where known (providers.md); otherwise the HTTP reason phrase.
const DETAILS: Record<number, string> = { 401: 'Invalid API key', 402: 'INSUFFICIENT_CREDITS', 503: 'MAINTENANCE' };

function answerEntry(reply: FastifyReply, entry: ErrorEntry): FastifyReply {
  const status = entry.status ?? statusForCode(entry.code as number);
  return reply.code(status).send({ detail: entry.message ?? DETAILS[status] ?? STATUS_CODES[status] ?? 'Error' });
}

function sameKey(header: string | undefined, apiKey: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return false;
  // Equal-length digests, so the comparison takes the same time whatever was sent.
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(match[1] as string), digest(apiKey));
}
