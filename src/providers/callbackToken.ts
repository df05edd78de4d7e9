// Kling signs nothing, so each callback URL carries its own unguessable token:
// HMAC-SHA256(generation id) under the server's callback secret. Anyone who can guess
// a generation id still cannot forge its callback.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function callbackToken(generationId: string, secret: string): string {
  return createHmac('sha256', secret).update(generationId).digest('base64url');
}

export function verifyCallbackToken(generationId: string, token: unknown, secret: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
  const expected = Buffer.from(callbackToken(generationId, secret));
  const given = Buffer.from(token);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time constant.
  return given.length === expected.length ? timingSafeEqual(given, expected) : !timingSafeEqual(expected, expected);
}

/** The callback URL given to a provider: /webhooks/<provider>/<generation id>?token=… */
export function providerCallbackUrl(publicBaseUrl: string, provider: string, generationId: string, secret: string): string {
  const token = callbackToken(generationId, secret);
  return `${publicBaseUrl}/webhooks/${provider}/${encodeURIComponent(generationId)}?token=${token}`;
}

export function klingCallbackUrl(publicBaseUrl: string, generationId: string, secret: string): string {
  return providerCallbackUrl(publicBaseUrl, 'kling', generationId, secret);
}
