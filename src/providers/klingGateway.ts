// Kling-style event gateways (the klingai-webhook-config seeds): signed event deliveries
// `{event, timestamp, data: {job_id, status, video_url, progress, …}}`. Not an official
// Kling format, so it is its own provider: verified by HMAC over the raw body
// (X-Kling-Signature) or by Standard Webhooks headers, then mapped to a TaskUpdate.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { TaskStatus, TaskUpdate } from '../../workflows/types.js';
import type { ParseResult } from './klingPayload.js';

/** Deliveries older (or newer) than this are refused as replays. */
export const REPLAY_WINDOW_MS = 5 * 60_000;

type Headers = Record<string, string | string[] | undefined>;
export type VerifyResult = { ok: true; style: 'kling' | 'standard' } | { ok: false; reason: string };

const header = (headers: Headers, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Standard Webhooks keys are `whsec_<base64>`; a plain secret is used as its UTF-8 bytes. */
function standardKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret, 'utf8');
}

/** Pure: the raw body bytes, the headers, the secret and the clock in; a verdict out. */
export function verifyGatewayDelivery(rawBody: Buffer, headers: Headers, secret: string, nowMs: number): VerifyResult {
  const klingSig = header(headers, 'x-kling-signature');
  if (klingSig !== undefined) {
    const m = /^sha256=([0-9a-f]{64})$/i.exec(klingSig.trim());
    if (!m) return { ok: false, reason: 'X-Kling-Signature must be sha256=<64 hex digits>' };
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    return safeEqual(Buffer.from(m[1]!, 'hex'), expected) ? { ok: true, style: 'kling' } : { ok: false, reason: 'signature mismatch' };
  }
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (id === undefined && signatures === undefined) return { ok: false, reason: 'no signature headers (X-Kling-Signature or webhook-signature)' };
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'webhook-id, webhook-timestamp and webhook-signature are all required' };
  if (!/^\d{1,12}$/.test(timestamp) || !isFresh(Number(timestamp) * 1000, nowMs)) return { ok: false, reason: 'webhook-timestamp outside the 5-minute window' };
  const expected = createHmac('sha256', standardKey(secret)).update(`${id}.${timestamp}.`).update(rawBody).digest();
  const match = signatures
    .split(' ')
    .map((s) => s.split(','))
    .some(([version, sig]) => version === 'v1' && sig !== undefined && safeEqual(Buffer.from(sig, 'base64'), expected));
  return match ? { ok: true, style: 'standard' } : { ok: false, reason: 'signature mismatch' };
}

export function isFresh(timestampMs: number, nowMs: number): boolean {
  return Number.isFinite(timestampMs) && Math.abs(nowMs - timestampMs) <= REPLAY_WINDOW_MS;
}

/** Event timestamps arrive as Unix seconds, Unix ms or ISO strings. */
export function timestampMs(value: number | string): number {
  if (typeof value === 'string' && !/^\d+(\.\d+)?$/.test(value)) return Date.parse(value);
  const n = Number(value);
  return n < 1e12 ? n * 1000 : n;
}

const GatewayEventSchema = z
  .object({
    event: z.string().min(1).max(100),
    timestamp: z.union([z.number(), z.string().max(40)]),
    data: z
      .object({
        job_id: z.union([z.string().min(1).max(100), z.number()]).transform(String),
        status: z.string().max(40).nullish(),
        video_url: z.url().nullish(),
        progress: z.coerce.number().min(0).max(100).nullish(),
        error: z.union([z.string(), z.object({ message: z.string().optional(), code: z.union([z.string(), z.number()]).optional() }).loose()]).nullish(),
        task_info: z.object({ external_task_id: z.string().nullish() }).loose().nullish(),
      })
      .loose(),
  })
  .loose();
export type GatewayEvent = z.infer<typeof GatewayEventSchema>;

const EVENT_STATUS: Record<string, TaskStatus | 'from-data'> = {
  'video.created': 'submitted',
  'video.processing': 'processing',
  'video.completed': 'succeeded',
  'video.failed': 'failed',
  'video.cancelled': 'cancelled',
  'job.completed': 'succeeded',
  'job.failed': 'failed',
  'job.status_changed': 'from-data',
};

const DATA_STATUS: Record<string, TaskStatus> = {
  created: 'submitted', pending: 'submitted', submitted: 'submitted', queued: 'submitted',
  processing: 'processing', running: 'processing',
  completed: 'succeeded', succeed: 'succeeded', succeeded: 'succeeded',
  failed: 'failed', cancelled: 'cancelled', canceled: 'cancelled',
};

export function parseGatewayEvent(body: unknown): ParseResult<GatewayEvent> {
  const parsed = GatewayEventSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, error: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
}

/** The update an event carries, or undefined for events we do not know (acknowledged, ignored). */
export function gatewayEventToUpdate(e: GatewayEvent, receivedAt: Date): TaskUpdate | undefined {
  const mapped = EVENT_STATUS[e.event];
  const status = mapped === 'from-data' ? DATA_STATUS[(e.data.status ?? '').toLowerCase()] : mapped;
  if (!status) return undefined;
  const errorMessage = typeof e.data.error === 'string' ? e.data.error : e.data.error?.message;
  return {
    provider: 'kling',
    taskId: e.data.job_id,
    status,
    ...(status === 'succeeded' ? { progress: 100 } : e.data.progress != null ? { progress: Math.round(e.data.progress) } : {}),
    ...(status === 'succeeded' && e.data.video_url ? { videos: [{ url: e.data.video_url }] } : {}),
    ...(status === 'failed' ? { error: { code: 'PROVIDER_TASK_FAILED', message: errorMessage || 'the gateway reported the job as failed' } } : {}),
    source: 'callback',
    signed: true,
    receivedAt: receivedAt.toISOString(),
  };
}
