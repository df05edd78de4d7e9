// The families that work on an earlier result: video-extend and lip-sync. A video_id must be
// the task_result.videos[].id of a succeeded task of this account; the route resolves it with
// resolveSource, which also inherits the model and the length from that task.
import { z } from 'zod';
import { callbackFields, httpUrl, taskRequest } from './fields.js';
import type { TaskRequest } from './fields.js';
import type { SimTask } from './tasks.js';

/** Kling extends by 4–5 s per call, up to 3 minutes in total. */
const EXTEND_SECONDS = 5;
const MAX_TOTAL_SECONDS = 180;

export const VideoExtendSchema = z
  .object({
    video_id: z.string({ error: (iss) => (iss.input === undefined ? 'is required' : 'must be a string') }).min(1, 'is required'),
    prompt: z.string().max(2500).optional(),
    negative_prompt: z.string().max(2500).optional(),
    cfg_scale: z.number().min(0).max(1).optional(),
    ...callbackFields,
  })
  .transform((v) =>
    taskRequest(v, {
      model: '',
      mode: 'std',
      duration: '',
      prompt: v.prompt ?? '',
      source: { videoId: v.video_id, field: 'video_id', addSeconds: EXTEND_SECONDS },
    }),
  );

const LipSyncInputSchema = z
  .object({
    video_id: z.string().min(1).optional(),
    video_url: httpUrl.optional(),
    mode: z.enum(['text2video', 'audio2video'], { error: 'must be "text2video" or "audio2video"' }),
    text: z.string().max(120).optional(),
    voice_id: z.string().min(1).optional(),
    voice_language: z.enum(['zh', 'en']).default('zh'),
    voice_speed: z.number().min(0.8).max(2).default(1),
    audio_type: z.enum(['file', 'url']).optional(),
    audio_file: z.string().min(1).optional(),
    audio_url: httpUrl.optional(),
  })
  .superRefine((v, ctx) => {
    const need = (field: string, why: string) => ctx.addIssue({ code: 'custom', path: [field], message: `is required ${why}` });
    if ((v.video_id === undefined) === (v.video_url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['video_id'], message: 'exactly one of video_id and video_url is required' });
    }
    if (v.mode === 'text2video') {
      if (!v.text) need('text', 'for mode text2video');
      if (!v.voice_id) need('voice_id', 'for mode text2video');
    } else if (v.audio_type === undefined) need('audio_type', 'for mode audio2video');
    else if (v.audio_type === 'url' && !v.audio_url) need('audio_url', 'for audio_type url');
    else if (v.audio_type === 'file' && !v.audio_file) need('audio_file', 'for audio_type file');
  });

// Lip-sync wraps its fields in `input`; callback_url and external_task_id stay top-level.
export const LipSyncSchema = z.object({ input: LipSyncInputSchema, ...callbackFields }).transform((v) =>
  taskRequest(v, {
    // A foreign video_url has no task to inherit from: assume Kling's default length.
    model: 'kling-v1-6',
    mode: 'std',
    duration: '5',
    prompt: v.input.text ?? '',
    ...(v.input.video_id === undefined ? {} : { source: { videoId: v.input.video_id, field: 'input.video_id', addSeconds: 0 } }),
  }),
);

/** The request completed from the source task, or the 1201 message when it cannot be used. */
export function resolveSource(request: TaskRequest, origin: SimTask | undefined): TaskRequest | string {
  const source = request.source;
  if (source === undefined) return request;
  if (origin === undefined) return `${source.field} not found: ${source.videoId}`;
  const seconds = Number(origin.duration) + source.addSeconds;
  if (seconds > MAX_TOTAL_SECONDS) return `${source.field}: the extended video would exceed ${MAX_TOTAL_SECONDS} s`;
  return { ...request, model: origin.model, duration: String(seconds) };
}
