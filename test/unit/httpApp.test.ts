// HTTP-level behaviour that needs no running Temporal: the client points at a closed port.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { freePort } from '../../src/temporal/devServer.js';
import { captureLogs } from '../support/logCapture.js';
import { callbackToken } from '../../src/providers/callbackToken.js';

const SECRET = 'unit-callback-secret';
const GATEWAY_SECRET = 'unit-gateway-secret';
let app: FastifyInstance;
let connection: Connection;
const { lines: logLines, stream } = captureLogs();

before(async () => {
  connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
  const client = new Client({ connection });
  app = buildApp(
    { client, callbackSecret: SECRET, gatewaySecret: GATEWAY_SECRET, taskQueue: 'klingflow', namespace: 'default', signalTimeoutMs: 500 },
    { level: 'info', stream },
  );
  await app.ready();
});
after(async () => {
  await app.close();
  await connection.close();
});

const task = { task_id: '123456789012345678', task_status: 'succeed', task_info: { external_task_id: 'gen-x' } };

test('a valid callback while Temporal is unreachable gets 503, so the provider retries', async () => {
  const res = await app.inject({ method: 'POST', url: `/webhooks/kling/gen-x?token=${callbackToken('gen-x', SECRET)}`, payload: task });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'TEMPORAL_UNAVAILABLE');
});

test('starting a generation while Temporal is unreachable is a 503, not a hang or a 500', async () => {
  const res = await app.inject({ method: 'POST', url: '/generations', payload: { prompt: 'x' } });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().error.code, 'TEMPORAL_UNAVAILABLE');
});

test('readiness reports Temporal unreachable; liveness is fine', async () => {
  assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
});

test('the token is checked before the body, and before Temporal is asked', async () => {
  const res = await app.inject({ method: 'POST', url: '/webhooks/kling/gen-x?token=wrong', payload: 'not json', headers: { 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 401);
  const forged = await app.inject({ method: 'POST', url: '/webhooks/kling/gen-x?token=wrong', payload: task });
  assert.equal(forged.statusCode, 401);
});

test('oversized bodies are refused with 413', async () => {
  const big = { ...task, padding: 'x'.repeat(300 * 1024) };
  const res = await app.inject({ method: 'POST', url: `/webhooks/kling/gen-x?token=${callbackToken('gen-x', SECRET)}`, payload: big });
  assert.equal(res.statusCode, 413);
});

test('callback tokens, gateway secrets and signatures never reach the logs', async () => {
  const token = callbackToken('gen-x', SECRET);
  await app.inject({ method: 'POST', url: `/webhooks/kling/gen-x?token=${token}`, payload: task });
  await app.inject({ method: 'POST', url: `/webhooks/kling/gen-x?%74oken=${token}`, payload: task }); // the same key, encoded
  const event = JSON.stringify({ event: 'video.thumbnail_ready', timestamp: Math.floor(Date.now() / 1000), data: { job_id: '1' } });
  const signature = createHmac('sha256', GATEWAY_SECRET).update(event).digest('hex');
  const delivery = await app.inject({
    method: 'POST',
    url: '/webhooks/kling',
    headers: { 'content-type': 'application/json', 'x-kling-signature': `sha256=${signature}`, authorization: 'Bearer unit-bearer-secret' },
    payload: event,
  });
  assert.equal(delivery.statusCode, 200, delivery.body);
  const logs = logLines.join('');
  assert.ok(logs.includes('/webhooks/kling/gen-x'), 'requests are logged');
  assert.ok(logs.includes('"url":"/webhooks/kling"'), 'the gateway delivery is logged');
  for (const secret of [token, SECRET, GATEWAY_SECRET, signature, 'unit-bearer-secret']) assert.ok(!logs.includes(secret), `${secret} was logged`);
});

test('unknown routes are a JSON 404', async () => {
  const res = await app.inject({ method: 'GET', url: '/nope' });
  assert.equal(res.statusCode, 404);
  assert.equal(res.json().error.code, 'ROUTE_NOT_FOUND');
});
