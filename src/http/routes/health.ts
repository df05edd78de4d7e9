// /healthz: the process answers. /readyz: Temporal answers too (load balancers route on it).
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../app.js';

export const healthRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  app.get('/healthz', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { tags: ['health'], summary: 'Readiness: Temporal reachable' } }, async (req, reply) => {
    try {
      await deps.client.withDeadline(Date.now() + 2_000, () => deps.client.workflowService.getSystemInfo({}));
      return { ok: true, temporal: 'reachable' };
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'Temporal not reachable');
      return reply.code(503).send({ ok: false, temporal: 'unreachable' });
    }
  });
};
