// Types shared by the workflow, its activities and the code outside the sandbox.
// Pure declarations only: this file is imported from everywhere.

/** Who runs the task: Kling's official API, or the RunBlob reseller. */
export type ProviderName = 'kling' | 'runblob';
/** Kling task families (providers.md); RunBlob takes text2video and image2video. */
export type TaskKind = 'text2video' | 'image2video' | 'multi-image2video' | 'video-extend' | 'lip-sync' | 'effects';

/** What a caller asks for; validated at the API edge before it gets here. */
export interface GenerationRequest {
  prompt: string;
  kind: TaskKind;
  model?: string;
  mode?: 'std' | 'pro';
  duration?: string;
  aspectRatio?: '16:9' | '9:16' | '1:1';
  negativePrompt?: string;
  imageUrl?: string;
  notifyUrl?: string;
  /** image2video: the last frame. */
  imageTailUrl?: string;
  /** multi-image2video (≤ 4) and RunBlob (≤ 5). */
  imageUrls?: string[];
  /** video-extend and lip-sync: a Kling video id from an earlier generation. */
  videoId?: string;
  /** lip-sync: a video URL instead of videoId. */
  videoUrl?: string;
  /** lip-sync: audio2video takes audioUrl; text2video takes text + voiceId. */
  lipSyncMode?: 'text2video' | 'audio2video';
  audioUrl?: string;
  text?: string;
  voiceId?: string;
  voiceLanguage?: 'zh' | 'en';
  /** effects: the scene name, e.g. "hug", "kiss", "squish". */
  effectScene?: string;
  /** RunBlob: keep the source clip's sound. */
  keepOriginalSound?: boolean;
}

/**
 * The workflow revision a generation is started for. A change in the commands the workflow
 * issues is gated on the revision in its input, which the history holds already, rather than
 * on patched(): every patch costs each generation a marker event and an upsert of the
 * TemporalChangeVersion search attribute, about 11 ms of the Temporal server's CPU per
 * generation (a fifth of a no-op workflow's; npm run bench: orchestration).
 *   absent: started before revisions; task reads are activities, or local behind the
 *           `local-task-reads` patch.
 *   2:      task reads are local activities, no patch.
 *   3:      the provider task id and the `waiting` status are one upsert, not two. Temporal
 *           writes the visibility record once per upsert event, even within one task.
 *   4:      the step statuses after the result wait for stepStatusDelayMs before they are
 *           upserted (see DEFAULT_STEP_STATUS_DELAY_MS).
 */
export const GENERATION_REVISION = 4;

/**
 * How long the steps after the provider's result (downloading, storing, notifying) run before
 * GenerationStatus shows them. Together they usually take a second or two, and each status
 * upsert is a history event and a visibility write: three of them were a tenth of the Temporal
 * server's CPU per generation (npm run bench: orchestration). A step that lasts (a stuck store,
 * a receiver down) shows within this delay; the `status` query and the workflow's current
 * details show every step at once. 0 upserts each step as it starts, as revision 3 did.
 */
export const DEFAULT_STEP_STATUS_DELAY_MS = 10_000;

export interface GenerationInput {
  /** Generation id; also the workflow id and the provider's external_task_id. */
  id: string;
  /** See GENERATION_REVISION. Set by the one place inputs are made; old runs lack it. */
  revision?: number;
  provider: ProviderName;
  request: GenerationRequest;
  /** How long to wait for a callback before polling. */
  callbackTimeoutMs: number;
  /** Total budget from start; past it the generation ends as timed_out. */
  deadlineMs: number;
  /** First polling interval; it grows ×1.5 per poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
  /** Revision ≥ 4: see DEFAULT_STEP_STATUS_DELAY_MS; absent → that default. */
  stepStatusDelayMs?: number;
}

/** Provider-side task status, normalised across providers. Order matters (see rank). */
export type TaskStatus = 'submitted' | 'processing' | 'succeeded' | 'failed' | 'cancelled';

export interface ProviderVideo {
  id?: string;
  url: string;
  durationSec?: number;
}

export interface ProviderError {
  code: string;
  message: string;
  /** The provider says a new submission may succeed (RunBlob TASK_FAILED, MAINTENANCE). */
  retryable?: boolean;
  /** The provider gave up on time (RunBlob TIMEOUT): the generation ends as timed_out. */
  timedOut?: boolean;
}

/** The payload of the `providerUpdate` signal. */
export interface TaskUpdate {
  provider: ProviderName;
  taskId: string;
  status: TaskStatus;
  progress?: number;
  videos?: ProviderVideo[];
  error?: ProviderError;
  source: 'callback' | 'poll';
  /** A delivery whose signature was verified with a provider secret: no API confirmation needed. */
  signed?: boolean;
  receivedAt: string;
}

export type GenerationStatus =
  | 'submitting'
  | 'waiting'
  | 'polling'
  | 'downloading'
  | 'storing'
  | 'notifying'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timed_out';

export const TERMINAL_GENERATION_STATUSES: readonly GenerationStatus[] = ['completed', 'failed', 'cancelled', 'timed_out'];

export interface StoredVideo {
  uri: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

export interface DownloadedVideo {
  path: string;
  bytes: number;
  sha256: string;
  contentType: string;
}

export type NotificationOutcome = 'sent' | 'skipped' | 'failed';

/** Answer of the `status` query, and the body of GET /generations/:id. */
export interface GenerationState {
  id: string;
  status: GenerationStatus;
  provider: ProviderName;
  providerTaskId: string | null;
  progress: number;
  prompt: string;
  /** The provider's id of the result video (Kling: what video-extend and lip-sync take as videoId). */
  providerVideoId?: string;
  video?: StoredVideo;
  error?: ProviderError;
  notification?: NotificationOutcome;
  createdAt: string;
  updatedAt: string;
}

export type GenerationResult = GenerationState;

/** Failure types the workflow itself raises (listed with the rest in src/errors.ts). */
export const WorkflowFailureType = {
  providerFailed: 'ProviderTaskFailed',
  timedOut: 'GenerationTimedOut',
} as const;

/** Raised by a submit that may or may not have created a task (see src/providers/runblob.ts). */
export const SUBMIT_OUTCOME_UNKNOWN = 'SubmitOutcomeUnknown';
