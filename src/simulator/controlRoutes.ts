// The control API (/_sim/*): no auth, plain JSON. Only tests and the demo talk to it.
import type { FastifyInstance } from 'fastify';
import { applyPatch, ConfigPatchSchema, formatZodError } from './control.js';
import type { SimState } from './state.js';

export function registerControlRoutes(app: FastifyInstance, state: SimState): void {
  app.get('/_sim/config', async () => state.config);

  app.put('/_sim/config', async (request, reply) => {
    const patch = ConfigPatchSchema.safeParse(request.body ?? {});
    if (!patch.success) return reply.code(400).send({ error: formatZodError(patch.error) });
    state.config = applyPatch(state.config, patch.data);
    return state.config;
  });

  app.post('/_sim/reset', async () => {
    state.reset();
    return state.config;
  });

  app.get('/_sim/stats', async () => state.statsView());
}
