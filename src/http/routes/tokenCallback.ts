// The shape every unsigned provider callback shares: POST /webhooks/<provider>/:generationId?token=…
// The URL's token is the proof. The callback is acknowledged only once the signal is
// durably in Temporal; no work happens here, and the workflow confirms terminal updates
// through the provider's API before trusting them.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../../errors.js';
import { verifyCallbackToken } from '../../providers/callbackToken.js';
import type { ParseResult } from '../../providers/klingPayload.js';
import { signalProviderUpdate } from '../../temporal/generations.js';
import type { TaskUpdate } from '../../../workflows/types.js';
import type { AppDeps } from '../app.js';
import { CallbackAckSchema, ErrorSchema } from '../schemas.js';

export interface ParsedCallback {
  update: TaskUpdate;
  /** The generation the body says it belongs to, when it says so. */
  generationId?: string | null;
}

export function registerTokenCallback(app: FastifyInstance, deps: AppDeps, provider: string, parse: (body: unknown, receivedAt: Date) => ParseResult<ParsedCallback>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    `/webhooks/${provider}/:generationId`,
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
      const parsed = parse(req.body, new Date());
      if (!parsed.ok) throw new HttpError('BAD_CALLBACK_BODY', `Unparseable ${provider} callback: ${parsed.error}`);
      const { update, generationId: claimed } = parsed.value;
      if (claimed && claimed !== generationId) {
        throw new HttpError('BAD_CALLBACK_BODY', 'task_info.external_task_id does not match the generation in the URL');
      }
      const outcome = await deps.client.withDeadline(Date.now() + deps.signalTimeoutMs, () => signalProviderUpdate(deps.client, generationId, update));
      req.log.info({ generationId, taskId: update.taskId, taskStatus: update.status, outcome }, `${provider} callback`);
      return { ok: true as const, outcome };
    },
  );
}
