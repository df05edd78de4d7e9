// Types shared by the workflow, its activities and the code outside the sandbox.
// Pure declarations only: this file is imported from everywhere.

export type ProviderName = 'kling';
export type TaskKind = 'text2video' | 'image2video';

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
}

export interface GenerationInput {
  /** Generation id; also the workflow id and the provider's external_task_id. */
  id: string;
  provider: ProviderName;
  request: GenerationRequest;
  /** How long to wait for a callback before polling. */
  callbackTimeoutMs: number;
  /** Total budget from start; past it the generation ends as timed_out. */
  deadlineMs: number;
  /** First polling interval; it grows ×1.5 per poll up to maxPollIntervalMs. */
  pollIntervalMs?: number;
  maxPollIntervalMs?: number;
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
