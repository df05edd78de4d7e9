import assert from 'node:assert/strict';
import { test } from 'node:test';
import jwt from 'jsonwebtoken';
import { verifyKlingAuthorization } from '../../src/simulator/auth.js';

const keys = { accessKey: 'ak-test', secretKey: 'sk-test' };
const NOW = 1_700_000_000;

function token(claims: Record<string, unknown>, secret = keys.secretKey): string {
  const payload = Object.fromEntries(
    Object.entries({ iss: keys.accessKey, iat: NOW, nbf: NOW - 5, exp: NOW + 1800, ...claims }).filter(([, v]) => v !== undefined),
  );
  return jwt.sign(payload, secret, {
    algorithm: 'HS256',
    header: { alg: 'HS256', typ: 'JWT' },
  });
}
const check = (header: string | undefined) => verifyKlingAuthorization(header, keys, NOW);
const codeOf = (header: string | undefined) => {
  const r = check(header);
  return r.ok ? 0 : r.code;
};

test('a well-formed token signed with the secret key is accepted', () => {
  assert.deepEqual(check(`Bearer ${token({})}`), { ok: true });
});

test('missing or blank header → 1001', () => {
  assert.equal(codeOf(undefined), 1001);
  assert.equal(codeOf('   '), 1001);
});

test('not a Bearer JWT → 1002', () => {
  assert.equal(codeOf('Basic x'), 1002);
  assert.equal(codeOf(`Token ${token({})}`), 1002);
  assert.equal(codeOf('Bearer not-a-jwt'), 1002);
  assert.equal(codeOf('Bearer aaa.bbb.ccc'), 1002);
});

test('wrong secret → 1000', () => {
  assert.equal(codeOf(`Bearer ${token({}, 'other-secret')}`), 1000);
});

test('wrong or missing iss → 1000', () => {
  assert.equal(codeOf(`Bearer ${token({ iss: 'someone-else' })}`), 1000);
  assert.equal(codeOf(`Bearer ${token({ iss: undefined })}`), 1000);
});

test('nbf in the future → 1003', () => {
  assert.equal(codeOf(`Bearer ${token({ nbf: NOW + 60 })}`), 1003);
});

test('expired → 1004, valid one second before exp', () => {
  assert.equal(codeOf(`Bearer ${token({ iat: NOW - 3600, nbf: NOW - 3600, exp: NOW - 1 })}`), 1004);
  assert.equal(codeOf(`Bearer ${token({ exp: NOW + 1 })}`), 0);
});

test('a token without exp is refused', () => {
  assert.equal(codeOf(`Bearer ${token({ exp: undefined })}`), 1000);
});
