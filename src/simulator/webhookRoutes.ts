// /v1/webhooks: registering gateway endpoints. Behind the same JWT check and envelope as the
// rest of /v1, since the gateways that offer it sit in front of a Kling account.
import type { FastifyInstance } from 'fastify';
import { formatZodError } from './control.js';
import { sendKlingError, sendSuccess } from './envelope.js';
import type { SimState } from './state.js';
import { WebhookCreateSchema } from './webhooks.js';

export function registerWebhookRoutes(app: FastifyInstance, state: SimState): void {
  app.post('/v1/webhooks', async (request, reply) => {
    const input = WebhookCreateSchema.safeParse(request.body);
    if (!input.success) return sendKlingError(reply, 400, 1201, formatZodError(input.error));
    // The gatewaySecret knob, when set, replaces the random secret so tests can know it up front.
    return sendSuccess(reply, state.webhooks.add(input.data, state.config.gatewaySecret));
  });

  app.get('/v1/webhooks', async (_request, reply) => sendSuccess(reply, state.webhooks.list()));

  app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', async (request, reply) => {
    if (!state.webhooks.remove(request.params.id)) return sendKlingError(reply, 404, 1203, `Webhook not found: ${request.params.id}`);
    return sendSuccess(reply, { id: request.params.id, deleted: true });
  });
}
