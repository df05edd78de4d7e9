import assert from 'node:assert/strict';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { KlingTokenSource, signKlingJwt, TOKEN_TTL_SEC } from '../../src/providers/klingJwt.js';
import { verifyKlingAuthorization } from '../../src/simulator/auth.js';

const keys = { accessKey: 'ak-test', secretKey: 'sk-test' };
const NOW = 1_800_000_000;

test('the JWT carries iss, exp = now + 1800 and nbf = now - 5, HS256 with typ JWT', () => {
  const token = signKlingJwt(keys, NOW);
  const decoded = jwt.decode(token, { complete: true });
  assert.ok(decoded && typeof decoded.payload === 'object');
  assert.deepEqual(decoded.header, { alg: 'HS256', typ: 'JWT' });
  assert.deepEqual(decoded.payload, { iss: 'ak-test', exp: NOW + 1800, nbf: NOW - 5 });
  assert.doesNotThrow(() => jwt.verify(token, 'sk-test', { algorithms: ['HS256'], clockTimestamp: NOW }));
  assert.throws(() => jwt.verify(token, 'other-secret', { algorithms: ['HS256'], clockTimestamp: NOW }));
});

test('a token is reused until shortly before it expires, then replaced', () => {
  let now = NOW;
  const source = new KlingTokenSource(keys, () => now);
  const first = source.get();
  now += TOKEN_TTL_SEC - 120;
  assert.equal(source.get(), first);
  now += 90; // within the refresh margin
  const second = source.get();
  assert.notEqual(second, first);
  source.invalidate();
  assert.notEqual(source.get(), undefined);
});

test('the simulator accepts our token at a fixed clock and refuses it outside its window', () => {
  const header = `Bearer ${signKlingJwt(keys, NOW)}`;
  assert.deepEqual(verifyKlingAuthorization(header, keys, NOW), { ok: true });
  assert.equal((verifyKlingAuthorization(header, keys, NOW - 60) as { code: number }).code, 1003);
  assert.equal((verifyKlingAuthorization(header, keys, NOW + 1801) as { code: number }).code, 1004);
  assert.equal((verifyKlingAuthorization(header, { ...keys, secretKey: 'x' }, NOW) as { code: number }).code, 1000);
});
