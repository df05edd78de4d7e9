// POST /webhooks/kling — signed event deliveries from Kling-style gateways. The signature
// covers the raw bytes, so this plugin alone parses JSON itself, after verifying them.
// Verified deliveries are trusted as they are (no API confirmation), so replays are refused.
import { isUtf8 } from 'node:buffer';
import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { HttpError } from '../../errors.js';
import { gatewayEventToUpdate, isFresh, parseGatewayEvent, timestampMs, verifyGatewayDelivery } from '../../providers/klingGateway.js';
import { findGenerationByTaskId, isGenerationId, signalProviderUpdate } from '../../temporal/generations.js';
import type { AppDeps } from '../app.js';
import { BODY_LIMITS } from '../limits.js';
import { describeRequest } from '../requestLog.js';
import { ErrorSchema, GatewayAckSchema, typedAnswerSerializer } from '../schemas.js';

export const gatewayWebhookRoutes: FastifyPluginAsync<AppDeps> = async (app, deps) => {
  const parseJson = app.getDefaultJsonParser('error', 'error'); // refuses __proto__ / constructor keys
  app.removeContentTypeParser('application/json'); // this plugin only: the others keep parsed JSON
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMITS.callbacks }, (_req, body, done) => done(null, body));

  const schema = { tags: ['webhooks'], summary: 'Signed gateway events (X-Kling-Signature or Standard Webhooks)', response: { 200: GatewayAckSchema, 400: ErrorSchema, 401: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema } };
  app.withTypeProvider<ZodTypeProvider>().post('/webhooks/kling', { bodyLimit: BODY_LIMITS.callbacks, schema, serializerCompiler: typedAnswerSerializer }, async (req) => {
    if (!deps.gatewaySecret) throw new HttpError('UNAUTHORIZED', 'Gateway deliveries are not configured: set KLINGAI_WEBHOOK_SECRET');
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const now = Date.now();
    const verdict = verifyGatewayDelivery(raw, req.headers, deps.gatewaySecret, now);
    if (!verdict.ok) throw new HttpError('UNAUTHORIZED', `Invalid delivery signature: ${verdict.reason}`);

    if (!isUtf8(raw)) throw new HttpError('BAD_CALLBACK_BODY', 'Body is not valid UTF-8');
    const json = await new Promise<unknown>((resolve, reject) =>
      parseJson(req, raw.toString('utf8'), (err, value) => (err ? reject(new HttpError('BAD_CALLBACK_BODY', `Body is not valid JSON: ${err.message}`.slice(0, 300))) : resolve(value))),
    );
    const parsed = parseGatewayEvent(json);
    if (!parsed.ok) throw new HttpError('BAD_CALLBACK_BODY', `Unparseable gateway event: ${parsed.error}`);
    const event = parsed.value;
    // X-Kling-Signature signs the body, timestamp included; Standard Webhooks checked its own.
    if (verdict.style === 'kling' && !isFresh(timestampMs(event.timestamp), now)) {
      throw new HttpError('UNAUTHORIZED', 'Delivery timestamp outside the 5-minute window (replayed?)');
    }
    const update = gatewayEventToUpdate(event, new Date(now));
    if (!update) return { ok: true as const, outcome: 'ignored' as const, event: event.event };

    const external = event.data.task_info?.external_task_id;
    const generationId =
      external && isGenerationId(external)
        ? external
        : await deps.client.withDeadline(now + deps.signalTimeoutMs, () => findGenerationByTaskId(deps.client, update.taskId));
    if (!generationId) {
      // A terminal event we cannot place is worth a retry by the gateway; progress is not.
      if (update.status === 'submitted' || update.status === 'processing') return { ok: true as const, outcome: 'unrouted' as const };
      throw new HttpError('NOT_FOUND', `No generation has task ${update.taskId}`);
    }
    const outcome = await deps.client.withDeadline(now + deps.signalTimeoutMs, () => signalProviderUpdate(deps.client, generationId, update));
    describeRequest(req, 'Gateway delivery', { generationId, taskId: update.taskId, event: event.event, outcome });
    return { ok: true as const, outcome, generationId };
  });
};
