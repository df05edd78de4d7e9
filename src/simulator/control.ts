// The simulator's knobs (PUT /_sim/config) and counters (GET /_sim/stats).
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

export const CALLBACK_MODES = ['deliver', 'drop', 'duplicate', 'delay', 'reorder'] as const;
export type CallbackMode = (typeof CALLBACK_MODES)[number];

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
  };
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
});
export type ConfigPatch = z.infer<typeof ConfigPatchSchema>;

export function applyPatch(config: SimConfig, patch: ConfigPatch): SimConfig {
  const next: SimConfig = { ...config };
  for (const [key, value] of Object.entries(patch) as [keyof ConfigPatch, unknown][]) {
    if (value === undefined) continue;
    if (value === null) delete next[key as 'videoBytes' | 'downloadFailAfterBytes'];
    else (next as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
  }
  return next;
}

export interface TaskStats {
  externalTaskId: string | undefined;
  family: string;
  status: string;
  callbacksSent: number;
  videoRequests: number;
  videoBytesServed: number;
}

export interface SimStats {
  requests: Record<string, number>;
  tasksCreated: number;
  /** Callback POST attempts made (retries included). */
  callbacksSent: number;
  /** Attempts that failed: connection error, timeout or non-2xx. */
  callbacksFailed: number;
  /** Callbacks acknowledged with a 2xx. */
  callbacksDelivered: number;
  videoRequests: number;
  videoBytesServed: number;
}

export function emptyStats(): SimStats {
  return { requests: {}, tasksCreated: 0, callbacksSent: 0, callbacksFailed: 0, callbacksDelivered: 0, videoRequests: 0, videoBytesServed: 0 };
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
