import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType, KLING_CODES, klingFailure } from '../../src/errors.js';
import { KlingClient } from '../../src/providers/kling.js';

test('the providers.md code table: what is retryable and what is not', () => {
  const retryable = [1302, 1303, 5000, 5001, 5002];
  const final = [1000, 1001, 1002, 1003, 1004, 1100, 1101, 1102, 1103, 1200, 1201, 1202, 1203, 1300, 1301, 1304];
  for (const code of retryable) assert.equal(klingFailure(429, code, 'm').nonRetryable, false, String(code));
  for (const code of final) assert.equal(klingFailure(400, code, 'm').nonRetryable, true, String(code));
  assert.deepEqual(Object.keys(KLING_CODES).map(Number).sort(), [...retryable, ...final].sort());
});

test('a failure carries a type, the provider code and message', () => {
  const f = klingFailure(400, 1301, 'content safety', 'req-1');
  assert.ok(f instanceof ApplicationFailure);
  assert.equal(f.type, FailureType.klingContentPolicy);
  assert.match(f.message, /1301.*content safety/);
  assert.deepEqual(f.details?.[0], { provider: 'kling', httpStatus: 400, code: 1301, message: 'content safety', requestId: 'req-1' });
  assert.equal(klingFailure(429, 1303, '').type, FailureType.klingRateLimited);
});

test('unknown codes: 5xx retryable, 4xx final', () => {
  assert.equal(klingFailure(502, undefined, 'bad gateway').nonRetryable, false);
  assert.equal(klingFailure(418, 4242, 'teapot').nonRetryable, true);
});

async function withServer(handler: http.RequestListener, fn: (base: string, hits: () => string[]) => Promise<void>) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => seen);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
};

test('the client checks `code` even on HTTP 200 (1303) and throws a retryable failure', async () => {
  await withServer((_req, res) => json(res, 200, { code: 1303, message: 'parallel task over resource pack limit', request_id: 'r', data: null }), async (base) => {
    const client = new KlingClient({ apiBase: base, accessKey: 'a', secretKey: 's', timeoutMs: 2000 });
    await assert.rejects(client.getTask('text2video', '1'), (err: unknown) => err instanceof ApplicationFailure && !err.nonRetryable && err.type === 'KlingRateLimited');
  });
});

test('an auth error refreshes the token once, then fails as non-retryable', async () => {
  await withServer((_req, res) => json(res, 401, { code: 1004, message: 'token expired', request_id: 'r', data: null }), async (base, hits) => {
    let now = 1_800_000_000;
    const client = new KlingClient({ apiBase: base, accessKey: 'a', secretKey: 's', timeoutMs: 2000, nowSec: () => now++ });
    await assert.rejects(client.getTask('text2video', '1'), (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'KlingAuthFailed');
    assert.equal(hits().length, 2);
    assert.notEqual(hits()[0], hits()[1], 'the second request used a fresh token');
  });
});

test('a timeout is a retryable network failure (the outcome is unknown)', async () => {
  await withServer(() => undefined /* never answers */, async (base) => {
    const client = new KlingClient({ apiBase: base, accessKey: 'a', secretKey: 's', timeoutMs: 200 });
    await assert.rejects(client.createTask('text2video', { prompt: 'x' }), (err: unknown) => err instanceof ApplicationFailure && !err.nonRetryable && err.type === 'KlingNetworkError');
  });
});
