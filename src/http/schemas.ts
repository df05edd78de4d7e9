// Response shapes of the REST API (request bodies live in src/generationRequest.ts).
import { z } from 'zod';

export const GenerationStatusSchema = z.enum([
  'submitting', 'waiting', 'polling', 'downloading', 'storing', 'notifying', 'completed', 'failed', 'cancelled', 'timed_out',
]);

export const LinksSchema = z.object({ self: z.string(), temporalUi: z.string().optional() });

export const AcceptedSchema = z.object({ id: z.string(), status: GenerationStatusSchema, links: LinksSchema });

export const GenerationSchema = z.object({
  id: z.string(),
  status: GenerationStatusSchema,
  provider: z.string(),
  providerTaskId: z.string().nullable(),
  progress: z.number(),
  prompt: z.string(),
  providerVideoId: z.string().optional(),
  video: z.object({ uri: z.string(), bytes: z.number(), sha256: z.string(), contentType: z.string() }).optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  notification: z.enum(['sent', 'skipped', 'failed']).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  links: LinksSchema,
});

export const ErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

export const GenerationParamsSchema = z.object({ id: z.string().max(200) });
export const CallbackAckSchema = z.object({ ok: z.literal(true), outcome: z.enum(['accepted', 'ended']) });
export const GatewayAckSchema = z.object({
  ok: z.literal(true),
  outcome: z.enum(['accepted', 'ended', 'ignored', 'unrouted']),
  event: z.string().optional(),
  generationId: z.string().optional(),
});

/**
 * For the webhook routes, where every callback pays for it: answers serialized with plain
 * JSON.stringify, not parsed by their zod schema first. The routes build these answers
 * themselves, typed against the same schemas at compile time (the zod type provider); the
 * schemas still document them in /docs. Untrusted input is validated as everywhere else.
 */
export const typedAnswerSerializer = () => (data: unknown) => JSON.stringify(data);
