// Request bodies and queries of the Kling video endpoints, validated the way the real API does.
// Each family's schema ends in a TaskRequest; the families that edit an earlier video are in
// editParams.ts, effects in effectsParams.ts.
import { z } from 'zod';
import { LipSyncSchema, VideoExtendSchema } from './editParams.js';
import { EffectsSchema } from './effectsParams.js';
import {
  aspectRatioField,
  callbackFields,
  durationField,
  fiveOrTen,
  imageInput,
  modeField,
  MODELS,
  requiredString,
  taskRequest,
  type TaskRequest,
} from './fields.js';

export const FAMILIES = ['text2video', 'image2video', 'multi-image2video', 'video-extend', 'lip-sync', 'effects'] as const;
export type Family = (typeof FAMILIES)[number];

// Common to text2video and image2video. Unknown keys are ignored like the real API does.
const common = {
  model_name: z.enum(MODELS).default('kling-v1'),
  negative_prompt: z.string().max(2500).optional(),
  cfg_scale: z.number().min(0).max(1).optional(),
  mode: modeField,
  duration: durationField,
  ...callbackFields,
};

export const Text2VideoSchema = z
  .object({
    ...common,
    prompt: requiredString(2500),
    aspect_ratio: aspectRatioField,
    camera_control: z.looseObject({ type: z.string().optional() }).optional(),
  })
  .transform((v) => taskRequest(v, { model: v.model_name, mode: v.mode, duration: v.duration, prompt: v.prompt }));

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
  })
  .transform((v) => taskRequest(v, { model: v.model_name, mode: v.mode, duration: v.duration, prompt: v.prompt ?? '' }));

// Up to four reference images; the documentation lists kling-v1-6 as its only model.
export const MultiImage2VideoSchema = z
  .object({
    model_name: z.enum(['kling-v1-6']).default('kling-v1-6'),
    image_list: z.array(z.object({ image: imageInput }), { error: 'must be a list of { image }' }).min(1).max(4),
    prompt: requiredString(2500),
    negative_prompt: z.string().max(2500).optional(),
    mode: modeField,
    duration: fiveOrTen,
    aspect_ratio: aspectRatioField,
    ...callbackFields,
  })
  .transform((v) => taskRequest(v, { model: v.model_name, mode: v.mode, duration: v.duration, prompt: v.prompt }));

export const createSchemas: Record<Family, z.ZodType<TaskRequest, unknown>> = {
  text2video: Text2VideoSchema,
  image2video: Image2VideoSchema,
  'multi-image2video': MultiImage2VideoSchema,
  'video-extend': VideoExtendSchema,
  'lip-sync': LipSyncSchema,
  effects: EffectsSchema,
};

export const ListQuerySchema = z.object({
  pageNum: z.coerce.number().int().min(1).max(1000).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(30),
  external_task_id: z.string().min(1).optional(),
});
