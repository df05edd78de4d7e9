// What users touch directly: the signed notification, the programmatic API and the CLI.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { getGeneration, startGeneration } from '../../src/index.js';
import { expectedVideoSha256 } from '../../src/simulator/video.js';
import { statusUpsertsIn } from '../support/history.js';
import { startTestStack, waitFor, type TestStack } from '../support/stack.js';

const NOTIFY_SECRET = 'whsec_dGVzdC1ub3RpZnktc2VjcmV0LXRlc3Qtbm90aWZ5';
let s: TestStack;
let receiver: http.Server;
let receiverUrl: string;
const received: { id: string; verified: boolean; body: any }[] = [];
/** Generations whose notification the receiver holds unanswered until the test releases it. */
const held = new Map<string, Promise<void>>();

before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      let verified = true;
      try {
        new Webhook(NOTIFY_SECRET).verify(body, req.headers as Record<string, string>);
      } catch {
        verified = false;
      }
      const event = JSON.parse(body);
      received.push({ id: String(req.headers['webhook-id']), verified, body: event });
      void (held.get(event.data?.id) ?? Promise.resolve()).then(() => res.writeHead(verified ? 204 : 401).end());
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  s = await startTestStack({ NOTIFY_SECRET, STEP_STATUS_DELAY: '1s' });
  await s.sim.configure({ processingMs: 300 });
});
after(async () => {
  await s?.close();
  await new Promise((r) => receiver.close(r));
});

test('a completed generation notifies notifyUrl once, signed (Standard Webhooks), with the sha256', async () => {
  const res = await s.api('POST', '/generations', { prompt: 'notify me', notifyUrl: receiverUrl });
  const id: string = res.body.id;
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.notification, 'sent');
  const mine = received.filter((r) => r.body.data.id === id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0]!.verified, true);
  assert.equal(mine[0]!.body.type, 'generation.completed');
  assert.equal(mine[0]!.body.data.video.sha256, await expectedVideoSha256());
  assert.equal(mine[0]!.id, `msg_${id}_generation.completed`);
});

test('a step that lasts reaches GenerationStatus after STEP_STATUS_DELAY; the status query has it at once', async () => {
  let release!: () => void;
  const res = await s.api('POST', '/generations', { prompt: 'a slow receiver', notifyUrl: receiverUrl });
  const id: string = res.body.id;
  held.set(id, new Promise<void>((r) => (release = r)));
  try {
    // The receiver holds the notification: the generation stays in its notifying step.
    await s.waitForStatus(id, ['notifying']);
    // Findable the way users search: a visibility query on the search attribute.
    const query = `WorkflowId = "${id}" AND GenerationStatus = "notifying"`;
    await waitFor(async () => (await s.client.workflow.count(query)).count === 1, 'GenerationStatus "notifying" in visibility', 15_000);
    assert.ok(received.some((r) => r.body.data.id === id), 'the receiver has the notification, unanswered');
  } finally {
    release();
  }
  const state = await s.waitForStatus(id, ['completed', 'failed']);
  assert.equal(state.status, 'completed');
  assert.equal(state.notification, 'sent');
  const { statuses, timersMs } = await statusUpsertsIn(s.client, id);
  assert.ok(timersMs.includes(1000), `timers: ${timersMs.join()}`);
  assert.equal(statuses[0], 'waiting');
  // The held step was published when the delay ran out; a step before it only if it outlasted it.
  assert.deepEqual(statuses.slice(-2), ['notifying', 'completed']);
});

test('a failed generation is notified too, with the reason', async () => {
  await s.sim.configure({ outcome: 'failed', failureMessage: 'quota exhausted upstream' });
  const res = await s.api('POST', '/generations', { prompt: 'fail me', notifyUrl: receiverUrl });
  const state = await s.waitForStatus(res.body.id, ['completed', 'failed']);
  assert.equal(state.status, 'failed');
  const event = received.find((r) => r.body.data.id === res.body.id);
  assert.equal(event?.body.type, 'generation.failed');
  assert.equal(event?.body.data.error.message, 'quota exhausted upstream');
  await s.sim.configure({ outcome: 'succeed' });
});

test('programmatic use: startGeneration and getGeneration from the package entry', async () => {
  const started = await startGeneration(s.client, { prompt: 'from code', callbackTimeout: 60 });
  assert.match(started.id, /^gen-/);
  const done = await waitFor(async () => {
    const g = await getGeneration(s.client, started.id);
    return g?.status === 'completed' ? g : undefined;
  }, 'completion');
  assert.equal(done.video?.sha256, await expectedVideoSha256());
  assert.equal(await getGeneration(s.client, 'gen-unknown'), null);
  await assert.rejects(startGeneration(s.client, { prompt: '' }), /prompt/);
});

test('CLI: klingflow generate --wait shows progress and ends with the sha256', async () => {
  const child = spawn(process.execPath, ['bin/klingflow.js', 'generate', 'a kite over the dunes', '--wait'], {
    env: { ...process.env, TEMPORAL_ADDRESS: s.devServer!.address, TEMPORAL_TASK_QUEUE: s.config.temporal.taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const code = await new Promise<number | null>((r) => child.on('close', r));
  assert.equal(code, 0, out);
  assert.match(out, /submitting|waiting/);
  assert.match(out, /completed 100%/);
  assert.ok(out.includes(await expectedVideoSha256()), out);

  const bad = spawn(process.execPath, ['bin/klingflow.js', 'generate', '--duration', '99', 'x'], {
    env: { ...process.env, TEMPORAL_ADDRESS: s.devServer!.address },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  bad.stderr.on('data', (c: Buffer) => (err += c.toString()));
  assert.equal(await new Promise((r) => bad.on('close', r)), 2);
  assert.match(err, /duration/);
});
