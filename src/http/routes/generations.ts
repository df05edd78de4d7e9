// POST /generations, GET /generations/:id, POST /generations/:id/cancel
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../../errors.js';
import { GenerationRequestSchema, ValidationError } from '../../generationRequest.js';
import { cancelGeneration, getGeneration, startParsedGeneration } from '../../temporal/generations.js';
import type { AppDeps } from '../app.js';
import { AcceptedSchema, ErrorSchema, GenerationParamsSchema, GenerationSchema } from '../schemas.js';

export const generationRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const links = (id: string) => ({
    self: `/generations/${id}`,
    ...(deps.temporalUiUrl ? { temporalUi: `${deps.temporalUiUrl}/namespaces/${deps.namespace}/workflows/${id}` } : {}),
  });

  r.post(
    '/generations',
    {
      bodyLimit: 64 * 1024,
      schema: {
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
      req.log.info({ generationId: started.id, created: started.created }, 'Generation started');
      return reply.code(202).send({ id: started.id, status: started.status, links: links(started.id) });
    },
  );

  r.get(
    '/generations/:id',
    { schema: { params: GenerationParamsSchema, response: { 200: GenerationSchema, 404: ErrorSchema, 503: ErrorSchema } } },
    async (req) => {
      const state = await getGeneration(deps.client, req.params.id);
      if (!state) throw new HttpError('NOT_FOUND', `No generation ${req.params.id}`);
      return { ...state, links: links(state.id) };
    },
  );

  r.post(
    '/generations/:id/cancel',
    { schema: { params: GenerationParamsSchema, response: { 202: AcceptedSchema, 404: ErrorSchema, 503: ErrorSchema } } },
    async (req, reply) => {
      if (!(await cancelGeneration(deps.client, req.params.id))) throw new HttpError('NOT_FOUND', `No generation ${req.params.id}`);
      const state = await getGeneration(deps.client, req.params.id);
      return reply.code(202).send({ id: req.params.id, status: state?.status ?? 'cancelled', links: links(req.params.id) });
    },
  );
};
