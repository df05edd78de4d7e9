// Request bodies and queries of the Kling video endpoints, validated the way the real API does.
import { z } from 'zod';

export const FAMILIES = ['text2video', 'image2video'] as const;
export type Family = (typeof FAMILIES)[number];

export const MODELS = [
  'kling-v1',
  'kling-v1-6',
  'kling-v2-master',
  'kling-v2-1-master',
  'kling-v2-5-turbo',
  'kling-v2-6',
  'kling-v3',
] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

// Kling takes images as a URL or as bare base64; a data: URI is a documented mistake.
const imageInput = z
  .string()
  .min(1)
  .refine((v) => !v.startsWith('data:'), 'must be a URL or raw base64 without a data: prefix')
  .refine(
    (v) => /^https?:\/\/\S+$/.test(v) || /^[A-Za-z0-9+/]+={0,2}$/.test(v),
    'must be an http(s) URL or raw base64',
  )
  .refine((v) => v.length <= Math.ceil((10 * 1024 * 1024 * 4) / 3) + 4, 'image must be at most 10 MB');

// Common to both families. Unknown keys are ignored like the real API does.
const common = {
  model_name: z.enum(MODELS).default('kling-v1'),
  negative_prompt: z.string().max(2500).optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  mode: z.enum(['std', 'pro']).default('std'),
  // A string on the wire; newer models accept 3–15 s, older ones "5" and "10".
  duration: z
    .string({ error: 'must be a string such as "5" or "10"' })
    .regex(/^(?:[3-9]|1[0-5])$/, 'must be "5", "10" (or "3".."15" on newer models)')
    .default('5'),
  callback_url: httpUrl.optional(),
  external_task_id: z.string().min(1).max(256).optional(),
};

export const Text2VideoSchema = z.object({
  ...common,
  prompt: z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).min(1, 'is required').max(2500),
  aspect_ratio: z.enum(['16:9', '9:16', '1:1']).default('16:9'),
  camera_control: z.looseObject({ type: z.string().optional() }).optional(),
});

export const Image2VideoSchema = z
  .object({
    ...common,
    prompt: z.string().max(2500).optional(),
    image: imageInput.optional(),
    image_tail: imageInput.optional(),
  })
  .refine((v) => v.image !== undefined || v.image_tail !== undefined, {
    path: ['image'],
    message: 'image or image_tail is required',
  });

export type CreateParams = z.infer<typeof Text2VideoSchema> | z.infer<typeof Image2VideoSchema>;

export const createSchemas: Record<Family, z.ZodType<CreateParams>> = {
  text2video: Text2VideoSchema,
  image2video: Image2VideoSchema,
};

export const ListQuerySchema = z.object({
  pageNum: z.coerce.number().int().min(1).max(1000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(30),
  external_task_id: z.string().min(1).optional(),
});
