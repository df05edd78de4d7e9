// The effects family: a named scene applied to one image, or to two people for the
// two-person scenes. Its fields sit in `input` like lip-sync's.
import { z } from 'zod';
import { callbackFields, fiveOrTen, imageInput, modeField, taskRequest } from './fields.js';

export const EFFECT_SCENES = ['hug', 'kiss', 'heart_gesture', 'squish', 'expansion', 'fuzzyfuzzy', 'bloombloom', 'dizzydizzy', 'bullet_time'] as const;
/** These take `images` (two people); the others one `image`. */
const TWO_PERSON = new Set<string>(['hug', 'kiss', 'heart_gesture']);

const EffectsInputSchema = z.object({
  // The models Kling lists for effects; single-image scenes run on kling-v1-6.
  model_name: z.enum(['kling-v1', 'kling-v1-5', 'kling-v1-6']).default('kling-v1-6'),
  mode: modeField,
  image: imageInput.optional(),
  images: z.array(imageInput).optional(),
  duration: fiveOrTen,
});

export const EffectsSchema = z
  .object({
    effect_scene: z.enum(EFFECT_SCENES, {
      error: (iss) => (iss.input === undefined ? 'is required' : `must be one of ${EFFECT_SCENES.join(', ')}`),
    }),
    input: EffectsInputSchema,
    ...callbackFields,
  })
  .superRefine((v, ctx) => {
    if (TWO_PERSON.has(v.effect_scene)) {
      if (v.input.images?.length !== 2) {
        ctx.addIssue({ code: 'custom', path: ['input', 'images'], message: `must hold exactly 2 images for ${v.effect_scene}` });
      }
    } else if (v.input.image === undefined) {
      ctx.addIssue({ code: 'custom', path: ['input', 'image'], message: `is required for ${v.effect_scene}` });
    }
  })
  .transform((v) => taskRequest(v, { model: v.input.model_name, mode: v.input.mode, duration: v.input.duration, prompt: '' }));
