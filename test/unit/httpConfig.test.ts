// The HTTP edge's settings from the environment: the REST API's rate limit and which proxies
// to trust for the client address.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_RATE_LIMIT } from '../../src/http/limits.js';

test('defaults: 120 writes and 1,200 reads a minute per IP, no proxy trusted', () => {
  const { http } = loadConfig({});
  assert.deepEqual(http.rateLimit, DEFAULT_RATE_LIMIT);
  assert.equal(http.trustProxy, false);
});

test('RATE_LIMIT_MAX, RATE_LIMIT_READ_MAX and RATE_LIMIT_WINDOW; 0 turns the limit off', () => {
  assert.deepEqual(loadConfig({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '30s' }).http.rateLimit, { max: 5, timeWindowMs: 30_000, readMax: 50 });
  assert.deepEqual(loadConfig({ RATE_LIMIT_MAX: '5', RATE_LIMIT_READ_MAX: '7' }).http.rateLimit, { max: 5, timeWindowMs: 60_000, readMax: 7 });
  assert.equal(loadConfig({ RATE_LIMIT_MAX: '0' }).http.rateLimit, false);
});

test('TRUST_PROXY: true/false, a hop count, or a list of IPs and CIDRs', () => {
  assert.equal(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy, true);
  assert.equal(loadConfig({ TRUST_PROXY: 'off' }).http.trustProxy, false);
  assert.equal(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy, 2);
  assert.deepEqual(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).http.trustProxy, ['10.0.0.0/8', '127.0.0.1', '::1']);
});

test('bad values are a ConfigError naming the variable', () => {
  for (const [name, value] of [
    ['RATE_LIMIT_MAX', '-1'],
    ['RATE_LIMIT_MAX', 'many'],
    ['RATE_LIMIT_READ_MAX', '0'],
    ['RATE_LIMIT_WINDOW', 'soon'],
    ['TRUST_PROXY', 'the load balancer'],
  ]) {
    assert.throws(() => loadConfig({ [name!]: value }), (err: Error) => err instanceof ConfigError && err.message.includes(`${name}:`), `${name}=${value}`);
  }
});
