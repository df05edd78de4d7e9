import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callbackToken, klingCallbackUrl, verifyCallbackToken } from '../../src/providers/callbackToken.js';

test('the callback token verifies for its generation and secret only', () => {
  const token = callbackToken('gen-a', 'secret');
  assert.equal(verifyCallbackToken('gen-a', token, 'secret'), true);
  assert.equal(verifyCallbackToken('gen-b', token, 'secret'), false);
  assert.equal(verifyCallbackToken('gen-a', token, 'other'), false);
  assert.equal(verifyCallbackToken('gen-a', `${token}x`, 'secret'), false);
  assert.equal(verifyCallbackToken('gen-a', token.slice(0, -1), 'secret'), false);
  for (const bad of [undefined, '', 42, ['x'], 'x'.repeat(500)]) assert.equal(verifyCallbackToken('gen-a', bad, 'secret'), false);
});

test('remembered tokens change nothing: a rotated secret, a full memory and a wrong token all answer as the HMAC does', () => {
  const old = callbackToken('gen-r', 'old-secret');
  assert.equal(verifyCallbackToken('gen-r', old, 'old-secret'), true);
  assert.equal(verifyCallbackToken('gen-r', old, 'old-secret'), true, 'again, from memory');
  // After a rotation the old token is refused and the new one verifies, in either order.
  const rotated = callbackToken('gen-r', 'new-secret');
  assert.equal(verifyCallbackToken('gen-r', old, 'new-secret'), false);
  assert.equal(verifyCallbackToken('gen-r', rotated, 'new-secret'), true);
  assert.equal(verifyCallbackToken('gen-r', rotated, 'old-secret'), false);
  // More verified generations than the memory holds: the oldest are pushed out and verify again.
  for (let i = 0; i < 10_050; i++) assert.equal(verifyCallbackToken(`gen-${i}`, callbackToken(`gen-${i}`, 's'), 's'), true);
  assert.equal(verifyCallbackToken('gen-0', callbackToken('gen-0', 's'), 's'), true);
  assert.equal(verifyCallbackToken('gen-0', callbackToken('gen-1', 's'), 's'), false);
  assert.equal(verifyCallbackToken('gen-10049', callbackToken('gen-10049', 'other'), 's'), false);
});

test('the callback URL carries the generation and its token', () => {
  const url = new URL(klingCallbackUrl('https://hooks.example.com', 'gen-a', 'secret'));
  assert.equal(url.pathname, '/webhooks/kling/gen-a');
  assert.equal(url.searchParams.get('token'), callbackToken('gen-a', 'secret'));
});
