// The simulator's knobs (PUT /_sim/config); the counters of GET /_sim/stats are in stats.ts.
import { z } from 'zod';

const ErrorEntrySchema = z.strictObject({
  /** HTTP status to answer; derived from `code` when omitted. */
  status: z.number().int().min(100).max(599).optional(),
  /** Kling envelope code; derived from `status` when omitted. No status and no code = answer success. */
  code: z.number().int().optional(),
  message: z.string().optional(),
  /** Create the task (or run the look-up) first, then answer the error: "accepted but the client saw a failure". */
  afterCreate: z.boolean().optional(),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});
export type ErrorEntry = z.infer<typeof ErrorEntrySchema>;
/** An entry with neither status nor code only delays: the request then succeeds. */
export const isErrorEntry = (entry: ErrorEntry): boolean => entry.status !== undefined || entry.code !== undefined;

export const CALLBACK_MODES = ['deliver', 'drop', 'duplicate', 'delay', 'reorder'] as const;
export type CallbackMode = (typeof CALLBACK_MODES)[number];

/** RunBlob's failure codes (providers.md), answered as `message` of a failed generation. */
export const RUNBLOB_FAILURES = ['CONTENT_POLICY_VIOLATION', 'IMAGE_INACCESSIBLE', 'INVALID_IMAGE', 'TIMEOUT', 'TASK_FAILED', 'MAINTENANCE'] as const;
export type RunblobFailure = (typeof RUNBLOB_FAILURES)[number];

export interface SimConfig {
  processingMs: number;
  outcome: 'succeed' | 'failed';
  failureMessage: string;
  callback: CallbackMode;
  callbackDelayMs: number;
  callbackAttempts: number;
  submitErrors: ErrorEntry[];
  pollErrors: ErrorEntry[];
  videoBytes?: number;
  downloadFailAfterBytes?: number;
  /** Serves result videos at most this fast (a slow CDN), so a test can act mid-download. */
  videoBytesPerSecond?: number;
  /** Simulator-only: every new gateway registration gets this secret, so a test can start klingflow knowing it. */
  gatewaySecret?: string;
  /** "kling": X-Kling-Signature; "standard": Standard Webhooks headers. */
  gatewaySignature: 'kling' | 'standard';
  /** Gateway events carry data.task_info.external_task_id only when true. */
  gatewayIncludeExternalId: boolean;
  /** RunBlob account balance; each generation is charged its price, refunds come back here. */
  runblobCredits: number;
  runblobFailure: RunblobFailure;
  /** With outcome "failed": only this many more RunBlob generations fail (counts down); unset = all. */
  runblobFailTimes?: number;
}

export function defaultConfig(): SimConfig {
  return {
    processingMs: 1500,
    outcome: 'succeed',
    failureMessage: 'Content safety check failed',
    callback: 'deliver',
    callbackDelayMs: 1000,
    callbackAttempts: 3,
    submitErrors: [],
    pollErrors: [],
    gatewaySignature: 'kling',
    gatewayIncludeExternalId: false,
    runblobCredits: 1000,
    runblobFailure: 'CONTENT_POLICY_VIOLATION',
  };
}

/** Config taken when a task or generation is created: a later PUT /_sim/config must not change it. */
const SNAPSHOT_KEYS = [
  'processingMs', 'outcome', 'failureMessage', 'callback', 'callbackDelayMs', 'callbackAttempts',
  'videoBytes', 'downloadFailAfterBytes', 'videoBytesPerSecond', 'gatewaySignature', 'gatewayIncludeExternalId',
] as const;
export type TaskSnapshot = Pick<SimConfig, (typeof SNAPSHOT_KEYS)[number]>;

export function snapshotOf(config: SimConfig): TaskSnapshot {
  return Object.fromEntries(SNAPSHOT_KEYS.map((key) => [key, config[key]])) as TaskSnapshot;
}

// Strict so a typo in a test ("procesingMs") is a 400 instead of a silently ignored knob.
export const ConfigPatchSchema = z.strictObject({
  processingMs: z.number().int().min(0).max(3_600_000).optional(),
  outcome: z.enum(['succeed', 'failed']).optional(),
  failureMessage: z.string().optional(),
  callback: z.enum(CALLBACK_MODES).optional(),
  callbackDelayMs: z.number().int().min(0).max(600_000).optional(),
  callbackAttempts: z.number().int().min(1).max(20).optional(),
  submitErrors: z.array(ErrorEntrySchema).optional(),
  pollErrors: z.array(ErrorEntrySchema).optional(),
  /** null clears the knob. */
  videoBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  downloadFailAfterBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
  videoBytesPerSecond: z.number().int().min(1024).nullable().optional(),
  gatewaySecret: z.string().min(1).nullable().optional(),
  gatewaySignature: z.enum(['kling', 'standard']).optional(),
  gatewayIncludeExternalId: z.boolean().optional(),
  runblobCredits: z.number().min(0).optional(),
  runblobFailure: z.enum(RUNBLOB_FAILURES).optional(),
  runblobFailTimes: z.number().int().min(0).nullable().optional(),
});
export type ConfigPatch = z.infer<typeof ConfigPatchSchema>;

/** The optional knobs, which a null in the patch clears. */
type ClearableKey = 'videoBytes' | 'downloadFailAfterBytes' | 'videoBytesPerSecond' | 'gatewaySecret' | 'runblobFailTimes';

export function applyPatch(config: SimConfig, patch: ConfigPatch): SimConfig {
  const next: SimConfig = { ...config };
  for (const [key, value] of Object.entries(patch) as [keyof ConfigPatch, unknown][]) {
    if (value === undefined) continue;
    if (value === null) delete next[key as ClearableKey];
    else (next as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
  }
  return next;
}

export function formatZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
      const where = issue.path.length > 0 ? issue.path.join('.') : keys || '(body)';
      return `${where}: ${issue.message}`;
    })
    .join('; ');
}
