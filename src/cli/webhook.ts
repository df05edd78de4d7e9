// `klingflow webhook test` sends a correctly signed sample delivery to a running receiver
// and reports the answer; `klingflow webhook register` registers a gateway endpoint.
import { createHmac, randomUUID } from 'node:crypto';
import type { Config } from '../config.js';
import { callbackToken } from '../providers/callbackToken.js';
import { KlingTokenSource } from '../providers/klingJwt.js';
import { redactUrl } from '../http/redact.js';
import { withSecrets } from '../secrets.js';
import { CliError } from './args.js';

export interface WebhookTestOptions {
  provider: 'kling' | 'gateway' | 'runblob';
  url?: string;
  generation?: string;
  event?: string;
  signature?: 'kling' | 'standard';
  taskId?: string;
}

const SAMPLE_VIDEO = 'https://cdn.klingai.com/sample/klingflow-webhook-test.mp4';

/** Builds the delivery each provider would send, signed the way that provider signs. */
export function sampleDelivery(config: Config, o: WebhookTestOptions, nowMs = Date.now()): { url: string; body: string; headers: Record<string, string> } {
  const base = (o.url ?? config.publicBaseUrl).replace(/\/+$/, '');
  const id = o.generation ?? `gen-webhook-test-${randomUUID().slice(0, 8)}`;
  const taskId = o.taskId ?? '800000000000000001';
  const secrets = withSecrets(config);
  const json = { 'content-type': 'application/json' };
  if (o.provider === 'kling') {
    const body = {
      task_id: taskId, task_status: 'succeed', task_status_msg: '', task_info: { external_task_id: id },
      created_at: nowMs - 60_000, updated_at: nowMs, task_result: { videos: [{ id: 'sample', url: SAMPLE_VIDEO, duration: '5' }] },
    };
    return { url: `${base}/webhooks/kling/${id}?token=${callbackToken(id, secrets.callback.secret)}`, body: JSON.stringify(body), headers: json };
  }
  if (o.provider === 'runblob') {
    const body = { generation_id: o.taskId ?? randomUUID(), status: 'completed', video_url: SAMPLE_VIDEO, model: 'kling_o3', message: null };
    return { url: `${base}/webhooks/runblob/${id}?token=${callbackToken(id, secrets.callback.secret)}`, body: JSON.stringify(body), headers: json };
  }
  const secret = config.gateway.webhookSecret;
  if (!secret) throw new Error('KLINGAI_WEBHOOK_SECRET is not set: the gateway test signs with it (as the receiver verifies with it).');
  const body = JSON.stringify({
    event: o.event ?? 'video.completed',
    timestamp: Math.floor(nowMs / 1000),
    data: { job_id: taskId, status: 'completed', video_url: SAMPLE_VIDEO, duration: 5, progress: 100, task_info: { external_task_id: id } },
  });
  if (o.signature === 'standard') {
    const msgId = `msg_${randomUUID()}`;
    const ts = String(Math.floor(nowMs / 1000));
    const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
    const sig = createHmac('sha256', key).update(`${msgId}.${ts}.${body}`).digest('base64');
    return { url: `${base}/webhooks/kling`, body, headers: { ...json, 'webhook-id': msgId, 'webhook-timestamp': ts, 'webhook-signature': `v1,${sig}` } };
  }
  return { url: `${base}/webhooks/kling`, body, headers: { ...json, 'x-kling-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` } };
}

export interface WebhookTestResult {
  /** The receiver URL, its token redacted. */
  url: string;
  status: number;
  body: string;
}

export async function webhookTest(config: Config, o: WebhookTestOptions, onSend?: (redactedUrl: string) => void): Promise<WebhookTestResult> {
  const d = sampleDelivery(config, o);
  onSend?.(redactUrl(d.url));
  const res = await fetch(d.url, { method: 'POST', headers: d.headers, body: d.body, signal: AbortSignal.timeout(15_000) }).catch((err: Error) => {
    throw new CliError(`No answer from ${new URL(d.url).origin}: ${err.message}. Is the server running?`);
  });
  return { url: redactUrl(d.url), status: res.status, body: await res.text() };
}

export interface RegisteredWebhook {
  id: string;
  url: string;
  events: string[];
  /** Shown once by the gateway: the server verifies deliveries with it (KLINGAI_WEBHOOK_SECRET). */
  secret: string;
}

export async function webhookRegister(config: Config, o: { url: string; events: string[]; apiBase?: string }): Promise<RegisteredWebhook> {
  const apiBase = (o.apiBase ?? config.kling.apiBase).replace(/\/+$/, '');
  const token = new KlingTokenSource(config.kling).get();
  const res = await fetch(`${apiBase}/v1/webhooks`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: o.url, events: o.events, active: true }),
    signal: AbortSignal.timeout(15_000),
  }).catch((err: Error) => {
    throw new CliError(`No answer from ${apiBase}: ${err.message}.`);
  });
  const envelope = (await res.json().catch(() => undefined)) as { code?: number; message?: string; data?: { id: string; secret: string } } | undefined;
  if (!res.ok || envelope?.code !== 0 || !envelope.data) {
    throw new CliError(`Registration failed: HTTP ${res.status} ${envelope?.code ?? ''} ${envelope?.message ?? ''}`.trim());
  }
  return { id: envelope.data.id, url: o.url, events: o.events, secret: envelope.data.secret };
}
