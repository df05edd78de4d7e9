// Kling signs nothing, so each callback URL carries its own unguessable token:
// HMAC-SHA256(generation id) under the server's callback secret. Anyone who can guess
// a generation id still cannot forge its callback.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function callbackToken(generationId: string, secret: string): string {
  return createHmac('sha256', secret).update(generationId).digest('base64url');
}

// Expected tokens of recently verified generations. A provider calls back several times per
// task, and an HMAC per callback was about 5 % of the callback route's own CPU in a profile
// (README Performance). Only verified tokens are kept, so strangers' guesses cannot fill it; the oldest
// leaves first once it is full.
const verified = new Map<string, { secret: string; token: Buffer }>();
const VERIFIED_MAX = 10_000;

export function verifyCallbackToken(generationId: string, token: unknown, secret: string): boolean {
  if (typeof token !== 'string' || token.length === 0 || token.length > 200) return false;
  const known = verified.get(generationId);
  const expected = known?.secret === secret ? known.token : Buffer.from(callbackToken(generationId, secret));
  const given = Buffer.from(token);
  // timingSafeEqual needs equal lengths; comparing against itself keeps the time constant.
  const ok = given.length === expected.length ? timingSafeEqual(given, expected) : !timingSafeEqual(expected, expected);
  if (ok && known?.token !== expected) {
    if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
    verified.set(generationId, { secret, token: expected });
  }
  return ok;
}

/** The callback URL given to a provider: /webhooks/<provider>/<generation id>?token=… */
export function providerCallbackUrl(publicBaseUrl: string, provider: string, generationId: string, secret: string): string {
  const token = callbackToken(generationId, secret);
  return `${publicBaseUrl}/webhooks/${provider}/${encodeURIComponent(generationId)}?token=${token}`;
}

export function klingCallbackUrl(publicBaseUrl: string, generationId: string, secret: string): string {
  return providerCallbackUrl(publicBaseUrl, 'kling', generationId, secret);
}
