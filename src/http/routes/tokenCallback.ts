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
import { isGenerationId, signalProviderUpdate } from '../../temporal/generations.js';
import type { TaskUpdate } from '../../../workflows/types.js';
import type { AppDeps } from '../app.js';
import { BODY_LIMITS } from '../limits.js';
import { describeRequest } from '../requestLog.js';
import { CallbackAckSchema, ErrorSchema, typedAnswerSerializer } from '../schemas.js';

export interface ParsedCallback {
  update: TaskUpdate;
  /** The generation the body says it belongs to, when it says so. */
  generationId?: string | null;
}

export function registerTokenCallback(app: FastifyInstance, deps: AppDeps, provider: string, parse: (body: unknown, receivedAt: Date) => ParseResult<ParsedCallback>): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    `/webhooks/${provider}/:generationId`,
    {
      bodyLimit: BODY_LIMITS.callbacks,
      // Authenticate before the body is even read: strangers learn nothing about the body
      // format, and cannot make us buffer 256 KiB. (Constant-time compare: callbackToken.ts.)
      onRequest: (req, _reply, done) => {
        const { generationId } = req.params as { generationId?: unknown };
        const { token } = req.query as { token?: unknown };
        const valid = typeof generationId === 'string' && verifyCallbackToken(generationId, token, deps.callbackSecret);
        done(valid ? undefined : new HttpError('UNAUTHORIZED', 'Missing or invalid callback token'));
      },
      serializerCompiler: typedAnswerSerializer,
      schema: {
        tags: ['webhooks'],
        summary: `${provider} callback (unsigned; the URL token is the proof)`,
        params: z.object({ generationId: z.string().max(200) }),
        querystring: z.object({ token: z.string().max(200).optional() }).loose(),
        response: { 200: CallbackAckSchema, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req) => {
      const { generationId } = req.params;
      // Tokens are only issued for generation ids; never signal any other workflow.
      if (!isGenerationId(generationId)) throw new HttpError('NOT_FOUND', 'No such generation');
      const parsed = parse(req.body, new Date());
      if (!parsed.ok) throw new HttpError('BAD_CALLBACK_BODY', `Unparseable ${provider} callback: ${parsed.error}`);
      const { update, generationId: claimed } = parsed.value;
      if (claimed && claimed !== generationId) {
        throw new HttpError('BAD_CALLBACK_BODY', 'task_info.external_task_id does not match the generation in the URL');
      }
      const outcome = await deps.client.withDeadline(Date.now() + deps.signalTimeoutMs, () => signalProviderUpdate(deps.client, generationId, update));
      describeRequest(req, `${provider} callback`, { generationId, taskId: update.taskId, taskStatus: update.status, outcome });
      return { ok: true as const, outcome };
    },
  );
}
