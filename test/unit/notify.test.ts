import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import { createNotifyActivities, type NotifyDeps, type NotifyInput, type NotifyResult } from '../../activities/notify.js';
import { FailureType } from '../../src/errors.js';
import type { GenerationState } from '../../workflows/types.js';

const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
let received: Received[];
let reply: (res: http.ServerResponse) => void;

const state: GenerationState = {
  id: 'gen-1',
  status: 'completed',
  provider: 'kling',
  providerTaskId: 'task-1',
  progress: 100,
  prompt: 'a cat',
  video: { uri: 'file:///videos/gen-1.mp4', bytes: 10, sha256: 'ab', contentType: 'video/mp4' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:01:00.000Z',
};
const input = (over: Partial<NotifyInput> = {}): NotifyInput => ({ generationId: 'gen-1', event: 'generation.completed', data: state, ...over });

function notify(over: Partial<NotifyDeps> = {}, input_: NotifyInput = input()) {
  const { notify: fn } = createNotifyActivities({ notify: { url: `${base}/hook`, secret: SECRET }, ...over });
  return new MockActivityEnvironment(undefined, { logger: silent }).run(fn, input_) as Promise<NotifyResult>;
}

async function failureOf(p: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await p.then(
    () => assert.fail('expected the activity to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure, `expected an ApplicationFailure, got ${String(err)}`);
  assert.ok(!err.message.includes(SECRET) && !err.message.includes(SECRET.slice(6)), 'the secret never appears in messages');
  return err;
}

before(async () => {
  server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    received.push({ path: req.url ?? '', headers: req.headers, body });
    reply(res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(() => {
  received = [];
  reply = (res) => res.writeHead(204).end();
});

describe('notify', () => {
  it('skips without any request when no URL is configured or given', async () => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      throw new Error('no request expected');
    }) as typeof globalThis.fetch;
    const result = await notify({ notify: { url: undefined, secret: SECRET }, fetch });
    assert.deepEqual(result, { outcome: 'skipped' });
    assert.equal(calls, 0);
  });

  it('sends a Standard Webhooks request the receiver can verify', async () => {
    const result = await notify();
    assert.deepEqual(result, { outcome: 'sent', status: 204 });

    assert.equal(received.length, 1);
    const r = received[0] as Received;
    assert.equal(r.path, '/hook');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['user-agent'], 'klingflow');
    assert.equal(r.headers['webhook-id'], 'msg_gen-1_generation.completed');
    assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/=]+$/);
    const verified = new Webhook(SECRET).verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: unknown };
    assert.equal(verified.type, 'generation.completed');
    assert.deepEqual(verified.data, state);
    assert.ok(Math.abs(Date.parse(verified.timestamp) - Date.now()) < 60_000);
    assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    // Another secret must not verify: the signature really depends on the secret.
    assert.throws(() => new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(r.body, r.headers as Record<string, string>));
  });

  it('uses the per-generation notifyUrl over the configured one', async () => {
    await notify({}, input({ notifyUrl: `${base}/mine?token=t` }));
    assert.equal(received[0]?.path, '/mine?token=t');
  });

  it('keeps webhook-id stable across calls, with fresh timestamps', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const now = () => new Date((t += 10_000));
    await notify({ now });
    await notify({ now });
    assert.equal(received.length, 2);
    assert.equal(received[0]?.headers['webhook-id'], received[1]?.headers['webhook-id']);
    assert.notEqual(received[0]?.headers['webhook-timestamp'], received[1]?.headers['webhook-timestamp']);
  });

  it('stops on 410', async () => {
    reply = (res) => res.writeHead(410).end();
    const err = await failureOf(notify());
    assert.equal(err.type, FailureType.notifyRejected);
    assert.equal(err.nonRetryable, true);
  });

  it('honours Retry-After in seconds on 503', async () => {
    reply = (res) => res.writeHead(503, { 'retry-after': '7' }).end();
    const err = await failureOf(notify());
    assert.equal(err.type, FailureType.notifyFailed);
    assert.equal(err.nonRetryable, false);
    assert.equal(err.nextRetryDelay, 7000);
  });

  it('honours Retry-After as an HTTP date on 429', async () => {
    const fixed = new Date('2026-03-01T12:00:00Z');
    reply = (res) => res.writeHead(429, { 'retry-after': new Date(fixed.getTime() + 30_000).toUTCString() }).end();
    const err = await failureOf(notify({ now: () => fixed }));
    assert.equal(err.nonRetryable, false);
    assert.equal(err.nextRetryDelay, 30_000);
  });

  it('retries other non-2xx answers, redirects included, on the normal schedule', async () => {
    reply = (res) => res.writeHead(500).end();
    const err = await failureOf(notify());
    assert.equal(err.type, FailureType.notifyFailed);
    assert.equal(err.nonRetryable, false);
    assert.equal(err.nextRetryDelay, undefined);

    reply = (res) => res.writeHead(302, { location: '/elsewhere' }).end();
    const redirected = await failureOf(notify());
    assert.equal(redirected.nonRetryable, false);
    assert.deepEqual(
      received.map((r) => r.path),
      ['/hook', '/hook'],
    );
  });

  it('retries when the receiver is unreachable', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
    closed.close();
    await once(closed, 'close');
    const err = await failureOf(notify({ notify: { url, secret: SECRET } }));
    assert.equal(err.type, FailureType.notifyFailed);
    assert.equal(err.nonRetryable, false);
  });

  it('fails non-retryably, without a request, when the secret is missing or invalid', async () => {
    const missing = await failureOf(notify({ notify: { url: `${base}/hook`, secret: undefined } }));
    assert.equal(missing.nonRetryable, true);
    assert.match(missing.message, /NOTIFY_SECRET/);

    const invalid = await failureOf(notify({ notify: { url: `${base}/hook`, secret: 'whsec_' } }));
    assert.equal(invalid.nonRetryable, true);
    assert.equal(received.length, 0);
  });
});
