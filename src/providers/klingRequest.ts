// Our GenerationRequest → the body of Kling's `POST /v1/videos/<family>`, with Kling's own
// field names per task family (providers.md; Kling API reference). Fields left out take
// Kling's defaults, so nothing undefined is ever sent.
import type { GenerationRequest, TaskKind } from '../../workflows/types.js';

/** The create/list path of a task family; `${klingPath(kind)}/<task_id>` reads one task. */
export function klingPath(kind: TaskKind): string {
  return `/v1/videos/${kind}`;
}

type Body = Record<string, unknown>;

/** Drops undefined fields (and an empty prompt: Kling treats a missing one as "none"). */
function compact(fields: Body): Body {
  return Object.fromEntries(Object.entries(fields).filter(([key, v]) => v !== undefined && !(key === 'prompt' && v === '')));
}

/** Maps our request to Kling's fields for its family. */
export function toKlingBody(request: GenerationRequest, externalTaskId: string, callbackUrl: string): Body {
  const r = request;
  const envelope = { callback_url: callbackUrl, external_task_id: externalTaskId };
  switch (r.kind) {
    case 'text2video':
      return compact({
        model_name: r.model,
        prompt: r.prompt,
        negative_prompt: r.negativePrompt,
        mode: r.mode,
        duration: r.duration,
        aspect_ratio: r.aspectRatio,
        ...envelope,
      });
    case 'image2video':
      return compact({
        model_name: r.model,
        image: r.imageUrl,
        image_tail: r.imageTailUrl,
        prompt: r.prompt,
        negative_prompt: r.negativePrompt,
        mode: r.mode,
        duration: r.duration,
        ...envelope,
      });
    case 'multi-image2video':
      // model_name is left to Kling's default (the family runs on kling-v1-6 only).
      return compact({
        model_name: r.model,
        image_list: r.imageUrls?.map((image) => ({ image })),
        prompt: r.prompt,
        negative_prompt: r.negativePrompt,
        mode: r.mode,
        duration: r.duration,
        aspect_ratio: r.aspectRatio,
        ...envelope,
      });
    case 'video-extend':
      return compact({ video_id: r.videoId, prompt: r.prompt, negative_prompt: r.negativePrompt, ...envelope });
    case 'lip-sync': {
      // Everything but the callback and the external id goes inside `input`.
      const mode = r.lipSyncMode ?? (r.audioUrl ? 'audio2video' : 'text2video');
      const voice =
        mode === 'text2video'
          ? { text: r.text, voice_id: r.voiceId, voice_language: r.voiceLanguage }
          : { audio_type: 'url', audio_url: r.audioUrl };
      return compact({ input: compact({ video_id: r.videoId, video_url: r.videoUrl, mode, ...voice }), ...envelope });
    }
    case 'effects':
      return compact({
        effect_scene: r.effectScene,
        input: compact({
          model_name: r.model,
          mode: r.mode,
          duration: r.duration,
          image: r.imageUrl,
          images: r.imageUrls,
        }),
        ...envelope,
      });
  }
}
