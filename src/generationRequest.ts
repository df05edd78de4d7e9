// The request a caller sends to start a generation, validated once at the edge (REST,
// CLI and the programmatic client all use this schema) with messages that name the field.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import type { GenerationInput, GenerationRequest } from '../workflows/types.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** Seconds as a number, or a string with a unit: 30, "30s", "5m", "1500ms". */
const durationField = (min: number, max: number) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const ms = typeof v === 'number' ? Math.round(v * 1000) : parseDuration(v);
    if (ms === undefined || !Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be seconds (number) or a duration like "90s", "5m"' });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({ code: 'custom', message: `must be between ${min / 1000} s and ${max / 1000} s` });
      return z.NEVER;
    }
    return ms;
  });

export const GenerationRequestSchema = z
  .object({
    prompt: z.string().trim().max(2500, 'must be at most 2500 characters').optional(),
    kind: z.enum(['text2video', 'image2video']).default('text2video'),
    provider: z.enum(['kling']).default('kling'),
    model: z.string().regex(/^kling-[a-z0-9.-]{1,40}$/, 'must be a Kling model name such as kling-v1 or kling-v2-master').optional(),
    mode: z.enum(['std', 'pro']).optional(),
    duration: z
      .union([z.number().int(), z.string().regex(/^\d{1,2}$/, 'must be a whole number of seconds')])
      .transform(String)
      .refine((d) => Number(d) >= 3 && Number(d) <= 15, 'must be between 3 and 15 seconds')
      .optional(),
    aspectRatio: z.enum(['16:9', '9:16', '1:1']).optional(),
    negativePrompt: z.string().max(2500, 'must be at most 2500 characters').optional(),
    imageUrl: httpUrl.optional(),
    notifyUrl: httpUrl.optional(),
    callbackTimeout: durationField(1_000, 24 * 3_600_000).optional(),
    deadline: durationField(5_000, 7 * 24 * 3_600_000).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.kind === 'text2video' && !r.prompt) ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'is required for text2video' });
    if (r.kind === 'image2video' && !r.imageUrl) ctx.addIssue({ code: 'custom', path: ['imageUrl'], message: 'is required for image2video' });
    if (r.kind === 'image2video' && r.aspectRatio) ctx.addIssue({ code: 'custom', path: ['aspectRatio'], message: 'is not supported for image2video (the image decides)' });
  });

export type GenerationRequestBody = z.input<typeof GenerationRequestSchema>;
export type ParsedGenerationRequest = z.output<typeof GenerationRequestSchema>;

export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super(issues.map((i) => `${i.path}: ${i.message}`).join('; '));
  }
}

export function formatIssues(error: z.ZodError, root = 'body'): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: i.path.length ? i.path.join('.') : root, message: i.message }));
}

export function parseGenerationRequest(body: unknown): ParsedGenerationRequest {
  const parsed = GenerationRequestSchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(formatIssues(parsed.error));
  return parsed.data;
}

export interface GenerationDefaults {
  callbackTimeoutMs: number;
  deadlineMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
}

export const DEFAULTS: GenerationDefaults = { callbackTimeoutMs: 5 * 60_000, deadlineMs: 30 * 60_000, pollIntervalMs: 5_000, maxPollIntervalMs: 60_000 };

export function toWorkflowInput(id: string, r: ParsedGenerationRequest, d: GenerationDefaults = DEFAULTS): GenerationInput {
  const request: GenerationRequest = {
    prompt: r.prompt ?? '',
    kind: r.kind,
    model: r.model,
    mode: r.mode,
    duration: r.duration,
    aspectRatio: r.aspectRatio,
    negativePrompt: r.negativePrompt,
    imageUrl: r.imageUrl,
    notifyUrl: r.notifyUrl,
  };
  return {
    id,
    provider: r.provider,
    request: JSON.parse(JSON.stringify(request)) as GenerationRequest, // drop undefined fields
    callbackTimeoutMs: r.callbackTimeout ?? d.callbackTimeoutMs,
    deadlineMs: r.deadline ?? d.deadlineMs,
    pollIntervalMs: d.pollIntervalMs,
    maxPollIntervalMs: d.maxPollIntervalMs,
  };
}
