// POST /webhooks/kling/:generationId?token=… — Kling's own callback (unsigned: the URL's
// token is the proof). Acknowledged only once the signal is durably in Temporal; no work
// happens here. The workflow confirms terminal updates through the API before trusting them.
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../../errors.js';
import { verifyCallbackToken } from '../../providers/callbackToken.js';
import { klingTaskToUpdate, parseKlingTaskBody } from '../../providers/klingPayload.js';
import { signalProviderUpdate } from '../../temporal/generations.js';
import type { AppDeps } from '../app.js';
import { CallbackAckSchema, ErrorSchema } from '../schemas.js';

export const klingCallbackRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/webhooks/kling/:generationId',
    {
      bodyLimit: 256 * 1024,
      schema: {
        params: z.object({ generationId: z.string().max(200) }),
        querystring: z.object({ token: z.string().max(200).optional() }).loose(),
        response: { 200: CallbackAckSchema, 400: ErrorSchema, 401: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => {
      const { generationId } = req.params;
      // Authenticate before parsing: strangers learn nothing about the body format.
      if (!verifyCallbackToken(generationId, req.query.token, deps.callbackSecret)) {
        throw new HttpError('UNAUTHORIZED', 'Missing or invalid callback token');
      }
      const parsed = parseKlingTaskBody(req.body);
      if (!parsed.ok) throw new HttpError('BAD_CALLBACK_BODY', `Unparseable Kling callback: ${parsed.error}`);
      const external = parsed.value.task_info?.external_task_id;
      if (external && external !== generationId) {
        throw new HttpError('BAD_CALLBACK_BODY', 'task_info.external_task_id does not match the generation in the URL');
      }
      const update = klingTaskToUpdate(parsed.value, 'callback', new Date());
      const outcome = await deps.client.withDeadline(Date.now() + deps.signalTimeoutMs, () =>
        signalProviderUpdate(deps.client, generationId, update),
      );
      req.log.info({ generationId, taskId: update.taskId, taskStatus: update.status, outcome }, 'Kling callback');
      return { ok: true as const, outcome };
    },
  );
};
