// Field schemas the Kling task families share, and TaskRequest: what every family's body is
// reduced to, so the task store and the views need not know the families' shapes.
import { z } from 'zod';

export const MODELS = [
  'kling-v1',
  'kling-v1-6',
  'kling-v2-master',
  'kling-v2-1-master',
  'kling-v2-5-turbo',
  'kling-v2-6',
  'kling-v3',
] as const;

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** "is required" when absent, so the message reads well after the field name. */
export const requiredString = (max: number) =>
  z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).min(1, 'is required').max(max);

// Kling takes images as a URL or as bare base64; a data: URI is a documented mistake.
export const imageInput = z
  .string()
  .min(1)
  .refine((v) => !v.startsWith('data:'), 'must be a URL or raw base64 without a data: prefix')
  .refine(
    (v) => /^https?:\/\/\S+$/.test(v) || /^[A-Za-z0-9+/]+={0,2}$/.test(v),
    'must be an http(s) URL or raw base64',
  )
  .refine((v) => v.length <= Math.ceil((10 * 1024 * 1024 * 4) / 3) + 4, 'image must be at most 10 MB');

export const modeField = z.enum(['std', 'pro']).default('std');

// A string on the wire; newer models accept 3–15 s, older ones "5" and "10".
export const durationField = z
  .string({ error: 'must be a string such as "5" or "10"' })
  .regex(/^(?:[3-9]|1[0-5])$/, 'must be "5", "10" (or "3".."15" on newer models)')
  .default('5');

/** The families that predate the 3–15 s models take "5" or "10" only. */
export const fiveOrTen = z.enum(['5', '10'], { error: 'must be "5" or "10"' }).default('5');

export const aspectRatioField = z.enum(['16:9', '9:16', '1:1']).default('16:9');

/** Top-level in every family, lip-sync and effects included. */
export const callbackFields = {
  callback_url: httpUrl.optional(),
  external_task_id: z.string().min(1).max(256).optional(),
};

export interface TaskRequest {
  externalTaskId: string | undefined;
  callbackUrl: string | undefined;
  model: string;
  mode: 'std' | 'pro';
  duration: string;
  /** For the gateway's data.prompt; "" for families without one. */
  prompt: string;
  /** video-extend and lip-sync work on an earlier result: the route resolves it (editParams.ts). */
  source?: { videoId: string; field: string; addSeconds: number };
}

type CallbackFields = { callback_url?: string | undefined; external_task_id?: string | undefined };

export const taskRequest = (v: CallbackFields, rest: Omit<TaskRequest, 'externalTaskId' | 'callbackUrl'>): TaskRequest => ({
  externalTaskId: v.external_task_id,
  callbackUrl: v.callback_url,
  ...rest,
});
