// The two signature styles a gateway delivery can carry (the gatewaySignature knob).
import { createHmac } from 'node:crypto';

/** `X-Kling-Signature: sha256=<hex>` over the exact body bytes, keyed by the secret's UTF-8 bytes. */
export function klingSignatureHeaders(secret: string, body: string): Record<string, string> {
  return { 'x-kling-signature': `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex')}` };
}

/**
 * Standard Webhooks: v1 HMAC of "id.timestamp.body". A `whsec_` secret is base64 key material
 * (what the spec's libraries expect); any other secret is used as its UTF-8 bytes.
 */
export function standardWebhookHeaders(secret: string, id: string, body: string, nowSec: number): Record<string, string> {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const signature = createHmac('sha256', key).update(`${id}.${nowSec}.${body}`, 'utf8').digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(nowSec), 'webhook-signature': `v1,${signature}` };
}
