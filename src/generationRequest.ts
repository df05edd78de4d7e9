// The request a caller sends to start a generation, validated once at the edge (REST,
// CLI and the programmatic client all use this schema) with messages that name the field.
import { z } from 'zod';
import { parseDuration } from './duration.js';
import { DEFAULT_STEP_STATUS_DELAY_MS, GENERATION_REVISION, type GenerationInput, type GenerationRequest, type ProviderName, type TaskKind } from '../workflows/types.js';

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

const KINDS = ['text2video', 'image2video', 'multi-image2video', 'video-extend', 'lip-sync', 'effects'] as const satisfies readonly TaskKind[];
const PROVIDERS = ['kling', 'runblob'] as const satisfies readonly ProviderName[];

/** Effects that take two people: input.images with exactly two images (Kling API reference). */
export const TWO_PERSON_EFFECTS: readonly string[] = ['hug', 'kiss', 'heart_gesture'];
export const RUNBLOB_MODELS = ['kling_o3', 'kling_o3_pro'] as const;
export const RUNBLOB_DURATIONS = ['5', '10', '15'] as const;
const RUNBLOB_KINDS: readonly TaskKind[] = ['text2video', 'image2video'];

export const GenerationRequestSchema = z
  .object({
    prompt: z.string().trim().max(2500, 'must be at most 2500 characters').optional(),
    kind: z.enum(KINDS).default('text2video'),
    provider: z.enum(PROVIDERS).default('kling'),
    model: z
      .string()
      .regex(
        /^(?:kling-[a-z0-9.-]{1,40}|kling_o3(?:_pro)?)$/,
        'must be a Kling model name such as kling-v1 or kling-v2-master (RunBlob: kling_o3 or kling_o3_pro)',
      )
      .optional(),
    mode: z.enum(['std', 'pro']).optional(),
    duration: z
      .union([z.number().int(), z.string().regex(/^\d{1,2}$/, 'must be a whole number of seconds')])
      .transform(String)
      .refine((d) => Number(d) >= 3 && Number(d) <= 15, 'must be between 3 and 15 seconds')
      .optional(),
    aspectRatio: z.enum(['16:9', '9:16', '1:1']).optional(),
    negativePrompt: z.string().max(2500, 'must be at most 2500 characters').optional(),
    imageUrl: httpUrl.optional(),
    imageTailUrl: httpUrl.optional(),
    imageUrls: z.array(httpUrl).min(1, 'must list at least 1 image URL').max(5, 'must list at most 5 image URLs').optional(),
    videoId: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
    videoUrl: httpUrl.optional(),
    lipSyncMode: z.enum(['text2video', 'audio2video']).optional(),
    audioUrl: httpUrl.optional(),
    text: z.string().trim().min(1, 'must not be empty').max(120, 'must be at most 120 characters').optional(),
    voiceId: z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters').optional(),
    voiceLanguage: z.enum(['zh', 'en']).optional(),
    effectScene: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a lowercase effect name such as hug, kiss or squish (a-z, 0-9, _; at most 40 characters)')
      .optional(),
    keepOriginalSound: z.boolean().optional(),
    notifyUrl: httpUrl.optional(),
    callbackTimeout: durationField(1_000, 24 * 3_600_000).optional(),
    deadline: durationField(5_000, 7 * 24 * 3_600_000).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    const issue = (field: string, message: string) => ctx.addIssue({ code: 'custom', path: [field], message });
    if (r.provider === 'runblob') checkRunBlob(r, issue);
    else checkKling(r, issue);
  });

/** Fields whose use depends on the kind and the provider; the others apply to every request. */
type FamilyField =
  | 'negativePrompt'
  | 'model'
  | 'mode'
  | 'duration'
  | 'aspectRatio'
  | 'imageUrl'
  | 'imageTailUrl'
  | 'imageUrls'
  | 'videoId'
  | 'videoUrl'
  | 'lipSyncMode'
  | 'audioUrl'
  | 'text'
  | 'voiceId'
  | 'voiceLanguage'
  | 'effectScene'
  | 'keepOriginalSound';

const FAMILY_FIELDS: readonly FamilyField[] = [
  'negativePrompt',
  'model',
  'mode',
  'duration',
  'aspectRatio',
  'imageUrl',
  'imageTailUrl',
  'imageUrls',
  'videoId',
  'videoUrl',
  'lipSyncMode',
  'audioUrl',
  'text',
  'voiceId',
  'voiceLanguage',
  'effectScene',
  'keepOriginalSound',
];

/** What each Kling family takes (providers.md; Kling API reference). prompt is accepted by all. */
const KLING_FIELDS: Record<TaskKind, readonly FamilyField[]> = {
  text2video: ['negativePrompt', 'model', 'mode', 'duration', 'aspectRatio'],
  image2video: ['negativePrompt', 'model', 'mode', 'duration', 'imageUrl', 'imageTailUrl'],
  'multi-image2video': ['negativePrompt', 'model', 'mode', 'duration', 'aspectRatio', 'imageUrls'],
  'video-extend': ['negativePrompt', 'videoId'],
  'lip-sync': ['videoId', 'videoUrl', 'lipSyncMode', 'audioUrl', 'text', 'voiceId', 'voiceLanguage'],
  effects: ['model', 'mode', 'duration', 'effectScene', 'imageUrl', 'imageUrls'],
};

const RUNBLOB_FIELDS: Partial<Record<TaskKind, readonly FamilyField[]>> = {
  text2video: ['model', 'mode', 'duration', 'aspectRatio', 'keepOriginalSound'],
  image2video: ['model', 'mode', 'duration', 'aspectRatio', 'keepOriginalSound', 'imageUrl', 'imageUrls'],
};

type Parsed = ParsedGenerationRequest;
type Issue = (field: string, message: string) => void;

/** Rejects, naming them, the fields the chosen kind and provider do not use. */
function rejectUnused(r: Parsed, table: Partial<Record<TaskKind, readonly FamilyField[]>>, issue: Issue): void {
  const allowed = table[r.kind] ?? [];
  for (const field of FAMILY_FIELDS) {
    if (r[field] === undefined || allowed.includes(field)) continue;
    if (r.provider === 'kling' && r.kind === 'image2video' && field === 'aspectRatio') {
      issue(field, 'is not supported for image2video (the image decides)');
    } else if (r.provider === 'kling' && field === 'keepOriginalSound') {
      issue(field, 'is only supported by provider runblob');
    } else {
      const users = KINDS.filter((k) => table[k]?.includes(field));
      if (users.length === 0) issue(field, `is not supported by provider ${r.provider}`);
      else issue(field, `is not used by ${r.kind} (only by ${users.join(', ')})`);
    }
  }
}

function checkKling(r: Parsed, issue: Issue): void {
  rejectUnused(r, KLING_FIELDS, issue);
  if (r.model && !r.model.startsWith('kling-')) issue('model', `${r.model} is a RunBlob model: set provider "runblob" or use a Kling model such as kling-v1`);
  switch (r.kind) {
    case 'text2video':
      if (!r.prompt) issue('prompt', 'is required for text2video');
      break;
    case 'image2video':
      if (!r.imageUrl) issue('imageUrl', 'is required for image2video');
      break;
    case 'multi-image2video':
      if (!r.imageUrls) issue('imageUrls', 'is required for multi-image2video (1 to 4 image URLs)');
      else if (r.imageUrls.length > 4) issue('imageUrls', 'must list at most 4 image URLs for multi-image2video');
      if (!r.prompt) issue('prompt', 'is required for multi-image2video');
      break;
    case 'video-extend':
      if (!r.videoId) issue('videoId', 'is required for video-extend (the id of a Kling video)');
      break;
    case 'lip-sync': {
      if (!r.videoId && !r.videoUrl) issue('videoId', 'is required for lip-sync (or videoUrl)');
      if (r.videoId && r.videoUrl) issue('videoUrl', 'cannot be combined with videoId: give one of them');
      const mode = lipSyncModeOf(r);
      if (mode === 'text2video') {
        if (!r.text) issue('text', `is required for lip-sync mode text2video${r.lipSyncMode ? '' : ' (or give audioUrl for mode audio2video)'}`);
        if (!r.voiceId) issue('voiceId', 'is required for lip-sync mode text2video');
        if (r.audioUrl) issue('audioUrl', 'is not used by lip-sync mode text2video (use lipSyncMode "audio2video")');
      } else {
        if (!r.audioUrl) issue('audioUrl', 'is required for lip-sync mode audio2video');
        for (const field of ['text', 'voiceId', 'voiceLanguage'] as const) {
          if (r[field] !== undefined) issue(field, 'is not used by lip-sync mode audio2video (use lipSyncMode "text2video")');
        }
      }
      break;
    }
    case 'effects': {
      if (!r.effectScene) issue('effectScene', 'is required for effects (e.g. hug, kiss, squish)');
      const twoPerson = r.effectScene !== undefined && TWO_PERSON_EFFECTS.includes(r.effectScene);
      if (twoPerson) {
        if (r.imageUrl) issue('imageUrl', `is not used by the ${r.effectScene} effect: give two images in imageUrls`);
        if (!r.imageUrls) issue('imageUrls', `is required for the ${r.effectScene} effect (exactly 2 image URLs)`);
      } else if (r.imageUrl && r.imageUrls) {
        issue('imageUrls', 'cannot be combined with imageUrl: give one image in imageUrl, or two in imageUrls');
      } else if (!r.imageUrl && !r.imageUrls) {
        issue('imageUrl', 'is required for effects (or imageUrls with 2 images for two-person effects)');
      }
      if (r.imageUrls && r.imageUrls.length !== 2) issue('imageUrls', 'must list exactly 2 image URLs for effects');
      break;
    }
  }
}

function checkRunBlob(r: Parsed, issue: Issue): void {
  if (!RUNBLOB_KINDS.includes(r.kind)) {
    issue('kind', `${r.kind} is not offered by provider runblob (only ${RUNBLOB_KINDS.join(', ')})`);
    return; // the other fields are judged against a kind the provider cannot run: noise
  }
  rejectUnused(r, RUNBLOB_FIELDS, issue);
  if (!r.prompt) issue('prompt', 'is required for provider runblob');
  const images = (r.imageUrl ? 1 : 0) + (r.imageUrls?.length ?? 0);
  if (r.kind === 'image2video' && images === 0) issue('imageUrl', 'is required for image2video (or imageUrls)');
  if (images > 5) issue('imageUrls', 'at most 5 images in all (imageUrl and imageUrls) for provider runblob');
  if (r.duration !== undefined && !(RUNBLOB_DURATIONS as readonly string[]).includes(r.duration)) {
    issue('duration', 'must be 5, 10 or 15 seconds for provider runblob');
  }
  if (r.model !== undefined && !(RUNBLOB_MODELS as readonly string[]).includes(r.model)) {
    issue('model', 'must be kling_o3 or kling_o3_pro for provider runblob');
  }
}

/** lip-sync: audio2video when an audio URL is given, text2video otherwise, unless set. */
export function lipSyncModeOf(r: { lipSyncMode?: 'text2video' | 'audio2video'; audioUrl?: string }): 'text2video' | 'audio2video' {
  return r.lipSyncMode ?? (r.audioUrl ? 'audio2video' : 'text2video');
}

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
  /** STEP_STATUS_DELAY; absent → DEFAULT_STEP_STATUS_DELAY_MS. */
  stepStatusDelayMs?: number;
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
    imageTailUrl: r.imageTailUrl,
    imageUrls: r.imageUrls,
    videoId: r.videoId,
    videoUrl: r.videoUrl,
    lipSyncMode: r.kind === 'lip-sync' ? lipSyncModeOf(r) : undefined,
    audioUrl: r.audioUrl,
    text: r.text,
    voiceId: r.voiceId,
    voiceLanguage: r.voiceLanguage,
    effectScene: r.effectScene,
    keepOriginalSound: r.keepOriginalSound,
    notifyUrl: r.notifyUrl,
  };
  return {
    id,
    revision: GENERATION_REVISION,
    provider: r.provider,
    request: JSON.parse(JSON.stringify(request)) as GenerationRequest, // drop undefined fields
    callbackTimeoutMs: r.callbackTimeout ?? d.callbackTimeoutMs,
    deadlineMs: r.deadline ?? d.deadlineMs,
    pollIntervalMs: d.pollIntervalMs,
    maxPollIntervalMs: d.maxPollIntervalMs,
    stepStatusDelayMs: d.stepStatusDelayMs ?? DEFAULT_STEP_STATUS_DELAY_MS,
  };
}
