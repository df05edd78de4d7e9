// Metrics, logs and API docs as an operator meets them: one pino logger for Fastify and
// the Temporal runtime, GET /metrics with callbacks, latency, generations and the worker's
// SDK metrics, and the OpenAPI document at /docs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createLogger } from '../../src/observability/logger.js';
import { freePort } from '../../src/temporal/devServer.js';
import { captureLogs } from '../support/logCapture.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

const capture = captureLogs();
/** One JSON line each (a write may hold several). */
const logLines = () => capture.lines.flatMap((chunk) => chunk.split('\n').filter(Boolean));
let s: TestStack;
let id: string;

before(async () => {
  s = await startTestStack({ WORKER_METRICS_PORT: String(await freePort()) }, { logger: createLogger('info', capture.stream) });
  await s.sim.configure({ processingMs: 300 });
  const res = await s.api('POST', '/generations', { prompt: 'observe me' });
  id = res.body.id;
  await s.waitForStatus(id, ['completed']);
});
after(async () => s?.close());

test('GET /metrics: callbacks by provider and result, ack latency, generations by status, worker SDK metrics', async () => {
  const text = await waitFor(async () => {
    const body = await (await fetch(`${s.apiUrl}/metrics`)).text();
    return /klingflow_generations\{status="completed"\} [1-9]/.test(body) ? body : undefined;
  }, 'the completed generation in /metrics');
  assert.match(text, /klingflow_callbacks_total\{provider="kling",result="accepted"\} [1-9]/);
  assert.match(text, /klingflow_callback_ack_seconds_count\{provider="kling"\} [1-9]/);
  assert.match(text, /temporal_activity_execution_latency_count\{activity_type="downloadVideo"/);
  const forged = await fetch(`${s.apiUrl}/webhooks/kling/${id}?token=nope`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(forged.status, 401);
  assert.match(await (await fetch(`${s.apiUrl}/metrics`)).text(), /klingflow_callbacks_total\{provider="kling",result="unauthorized"\} 1/);
});

test('one pino logger: HTTP lines and Temporal worker lines, generation id on both', () => {
  const lines = logLines();
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const http = parsed.filter((l) => l.component === 'http' && l.generationId === id);
  const worker = parsed.filter((l) => l.source === 'temporal' && l.generationId === id);
  assert.ok(http.some((l) => typeof l.taskId === 'string'), 'callback lines carry the task id');
  assert.ok(worker.length > 0, `worker lines with generationId: ${parsed.filter((l) => l.source === 'temporal').length} temporal lines in all`);
  assert.ok(!lines.join('\n').includes('test-callback-secret'));
});

test('OpenAPI generated from the zod schemas, served at /docs', async () => {
  const ui = await fetch(`${s.apiUrl}/docs/`);
  assert.equal(ui.status, 200);
  assert.match(await ui.text(), /swagger/i);
  const spec = (await (await fetch(`${s.apiUrl}/docs/json`)).json()) as { openapi: string; paths: Record<string, Record<string, { requestBody?: unknown }>> };
  assert.match(spec.openapi, /^3\./);
  for (const p of ['/generations', '/generations/{id}', '/generations/{id}/cancel', '/webhooks/kling/{generationId}', '/webhooks/runblob/{generationId}', '/webhooks/kling']) {
    assert.ok(spec.paths[p], `${p} documented`);
  }
  const body = JSON.stringify(spec.paths['/generations']!.post!.requestBody);
  for (const field of ['prompt', 'callbackTimeout', 'imageUrl', 'provider']) assert.ok(body.includes(field), `${field} in the request schema`);
});
