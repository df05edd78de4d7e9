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

test('the callback URL carries the generation and its token', () => {
  const url = new URL(klingCallbackUrl('https://hooks.example.com', 'gen-a', 'secret'));
  assert.equal(url.pathname, '/webhooks/kling/gen-a');
  assert.equal(url.searchParams.get('token'), callbackToken('gen-a', 'secret'));
});
