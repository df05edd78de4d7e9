// POST /generations, GET /generations/:id, POST /generations/:id/cancel
import rateLimit from '@fastify/rate-limit';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../../errors.js';
import { GenerationRequestSchema, ValidationError } from '../../generationRequest.js';
import { cancelGeneration, getGeneration, startParsedGeneration } from '../../temporal/generations.js';
import type { AppDeps } from '../app.js';
import { BODY_LIMITS, DEFAULT_RATE_LIMIT } from '../limits.js';
import { describeRequest } from '../requestLog.js';
import { AcceptedSchema, ErrorSchema, GenerationParamsSchema, GenerationSchema } from '../schemas.js';

export const generationRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  // Rate limited per client IP, in this plugin's scope only: the REST API. Provider callbacks
  // (/webhooks/*) and health checks live in other plugins and are never limited. Checked
  // onRequest, before the body is read; a 429 carries Retry-After.
  const limit = deps.rateLimit === false ? undefined : (deps.rateLimit ?? DEFAULT_RATE_LIMIT);
  if (limit) {
    await app.register(rateLimit, {
      global: false,
      hook: 'onRequest',
      timeWindow: limit.timeWindowMs,
      errorResponseBuilder: (_req, ctx) => new HttpError('RATE_LIMITED', `Rate limit of ${ctx.max} requests per ${limit.timeWindowMs / 1000} s exceeded; retry in ${ctx.after}`),
    });
  }
  // Each route has its own budget per IP (a burst of polls never blocks a cancel).
  const writes = { rateLimit: limit ? { max: limit.max } : false };
  const reads = { rateLimit: limit ? { max: limit.readMax ?? limit.max * 10 } : false };

  const r = app.withTypeProvider<ZodTypeProvider>();
  const links = (id: string) => ({
    self: `/generations/${id}`,
    ...(deps.temporalUiUrl ? { temporalUi: `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${id}` } : {}),
  });

  r.post(
    '/generations',
    {
      bodyLimit: BODY_LIMITS.generations,
      config: writes,
      schema: {
        tags: ['generations'],
        summary: 'Start a generation (Idempotency-Key: same key, same generation)',
        body: GenerationRequestSchema,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255).optional() }).loose(),
        response: { 202: AcceptedSchema, 400: ErrorSchema, 409: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req, reply) => {
      if (deps.providers && !deps.providers.includes(req.body.provider)) {
        throw new ValidationError([{ path: 'provider', message: `${req.body.provider} is not configured on this server (set RUNBLOB_API_KEY)` }]);
      }
      // Bounded, so an unreachable Temporal is a quick 503 rather than a hung request.
      const started = await deps.client.withDeadline(Date.now() + deps.signalTimeoutMs, () =>
        startParsedGeneration(deps.client, req.body, {
          idempotencyKey: req.headers['idempotency-key'],
          taskQueue: deps.taskQueue,
          defaults: deps.defaults,
        }),
      );
      describeRequest(req, 'Generation started', { generationId: started.id, created: started.created });
      return reply.code(202).send({ id: started.id, status: started.status, links: links(started.id) });
    },
  );

  r.get(
    '/generations/:id',
    // GET: Fastify never reads a body here, so no body limit applies.
    { config: reads, schema: { tags: ['generations'], summary: 'Read a generation', params: GenerationParamsSchema, response: { 200: GenerationSchema, 404: ErrorSchema, 503: ErrorSchema } } },
    async (req) => {
      // Bounded like every Temporal call here: an unreachable Temporal is a quick 503.
      const state = await deps.client.withDeadline(Date.now() + deps.signalTimeoutMs, () => getGeneration(deps.client, req.params.id));
      if (!state) throw new HttpError('NOT_FOUND', `No generation ${req.params.id}`);
      return { ...state, links: links(state.id) };
    },
  );

  r.post(
    '/generations/:id/cancel',
    { bodyLimit: BODY_LIMITS.none, config: writes, schema: { tags: ['generations'], summary: 'Cancel a generation', params: GenerationParamsSchema, response: { 202: AcceptedSchema, 404: ErrorSchema, 503: ErrorSchema } } },
    async (req, reply) => {
      const deadline = Date.now() + deps.signalTimeoutMs;
      if (!(await deps.client.withDeadline(deadline, () => cancelGeneration(deps.client, req.params.id)))) {
        throw new HttpError('NOT_FOUND', `No generation ${req.params.id}`);
      }
      const state = await deps.client.withDeadline(deadline, () => getGeneration(deps.client, req.params.id));
      return reply.code(202).send({ id: req.params.id, status: state?.status ?? 'cancelled', links: links(req.params.id) });
    },
  );
};
