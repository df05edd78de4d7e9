// The HTTP edge's hardening, without a running Temporal (its client points at a closed port,
// or at a socket that never answers): helmet headers, rate limits that never touch provider
// callbacks, per-route body limits, content types and encodings, authentication before the
// body is read, and a graceful close that finishes in-flight requests.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance, FastifyServerOptions, InjectOptions } from 'fastify';
import { BODY_LIMITS, buildApp, DEFAULT_RATE_LIMIT, type AppDeps } from '../../src/http/app.js';
import { redactUrl } from '../../src/http/redact.js';
import { callbackToken } from '../../src/providers/callbackToken.js';
import { freePort } from '../../src/temporal/devServer.js';
import { captureLogs } from '../support/logCapture.js';

const SECRET = 'hardening-callback-secret';
const GATEWAY_SECRET = 'hardening-gateway-secret';
const json = { 'content-type': 'application/json' };
const connections: Connection[] = [];
const apps: FastifyInstance[] = [];

async function makeApp(overrides: Partial<AppDeps> = {}, temporalAddress?: string, logger: FastifyServerOptions['logger'] = false): Promise<FastifyInstance> {
  const connection = Connection.lazy({ address: temporalAddress ?? `127.0.0.1:${await freePort()}` });
  connections.push(connection);
  const app = buildApp({
    client: new Client({ connection }),
    callbackSecret: SECRET,
    gatewaySecret: GATEWAY_SECRET,
    taskQueue: 'klingflow',
    namespace: 'default',
    signalTimeoutMs: 500,
    ...overrides,
  }, logger);
  apps.push(app);
  await app.ready();
  return app;
}

after(async () => {
  for (const app of apps) await app.close();
  for (const c of connections) await c.close();
});

const cb = (provider: string, id: string, token = callbackToken(id, SECRET)) => `/webhooks/${provider}/${encodeURIComponent(id)}?token=${token}`;
const sign = (body: string | Buffer, secret = GATEWAY_SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
/** A JSON body of exactly `size` bytes: {"p":"xxx…"}. */
const bodyOf = (size: number) => `{"p":"${'x'.repeat(size - 8)}"}`;

describe('helmet', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await makeApp();
  });

  test('every answer carries API-appropriate security headers: routes, 404s, 401s and 413s alike', async () => {
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: '/healthz' }),
      app.inject({ method: 'GET', url: '/nope' }),
      app.inject({ method: 'POST', url: '/webhooks/kling/gen-x?token=forged', payload: {} }),
      app.inject({ method: 'POST', url: '/generations', headers: json, payload: bodyOf(BODY_LIMITS.generations + 1) }),
    ]);
    assert.deepEqual(answers.map((r) => r.statusCode), [200, 404, 401, 413]);
    for (const res of answers) {
      assert.equal(res.headers['content-security-policy'], undefined, 'JSON needs no CSP');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.equal(res.headers['referrer-policy'], 'no-referrer');
      assert.equal(res.headers['cross-origin-resource-policy'], 'same-origin');
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/);
      assert.equal(res.headers['x-powered-by'], undefined);
    }
  });
});

describe('rate limits', () => {
  test('the REST API answers 429 RATE_LIMITED with Retry-After once the budget is spent, before reading the body', async () => {
    const app = await makeApp({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'POST', url: '/generations', headers: json, payload: { prompt: 42 } });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['x-ratelimit-limit'], '3');
    }
    // Over the body limit too: the limiter runs onRequest, so it is a 429, not a 413.
    const res = await app.inject({ method: 'POST', url: '/generations', headers: json, payload: bodyOf(BODY_LIMITS.generations + 1) });
    assert.equal(res.statusCode, 429);
    assert.equal(res.json().error.code, 'RATE_LIMITED');
    assert.match(res.json().error.message, /3 requests per 60 s/);
    const retryAfter = Number(res.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${res.headers['retry-after']}`);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', 'helmet headers on 429s too');
  });

  test('behind a trusted proxy each X-Forwarded-For client has its own budget; without trust, the proxy is the client', async () => {
    const post = (app: FastifyInstance, client: string) =>
      app.inject({ method: 'POST', url: '/generations', headers: { ...json, 'x-forwarded-for': client }, payload: { prompt: 42 } });
    const trusting = await makeApp({ rateLimit: { max: 1, timeWindowMs: 60_000 }, trustProxy: true });
    assert.equal((await post(trusting, '203.0.113.1')).statusCode, 400);
    assert.equal((await post(trusting, '203.0.113.2')).statusCode, 400, 'another client behind the same proxy');
    assert.equal((await post(trusting, '203.0.113.1')).statusCode, 429, 'the first client again');
    const hops = await makeApp({ rateLimit: { max: 1, timeWindowMs: 60_000 }, trustProxy: 1 });
    assert.equal((await post(hops, '203.0.113.1')).statusCode, 400);
    assert.equal((await post(hops, '203.0.113.2')).statusCode, 400, 'one trusted hop: the forwarded address is the client');
    const plain = await makeApp({ rateLimit: { max: 1, timeWindowMs: 60_000 } });
    assert.equal((await post(plain, '203.0.113.1')).statusCode, 400);
    assert.equal((await post(plain, '203.0.113.2')).statusCode, 429, 'a forged X-Forwarded-For buys no budget');
  });

  test('reads and each write route have their own budget: status polls never block a cancel', async () => {
    const app = await makeApp({ rateLimit: { max: 2, timeWindowMs: 60_000, readMax: 4 } });
    const get = () => app.inject({ method: 'GET', url: '/generations/nope' });
    for (let i = 0; i < 4; i++) assert.equal((await get()).statusCode, 404);
    assert.equal((await get()).statusCode, 429);
    assert.equal((await app.inject({ method: 'POST', url: '/generations/nope/cancel' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: '/generations', headers: json, payload: [] })).statusCode, 400);
  });

  test('the default is DEFAULT_RATE_LIMIT: 120 writes, 1,200 reads a minute per IP', async () => {
    assert.deepEqual(DEFAULT_RATE_LIMIT, { max: 120, timeWindowMs: 60_000, readMax: 1200 });
    const app = await makeApp();
    const read = await app.inject({ method: 'GET', url: '/generations/nope' });
    assert.equal(read.headers['x-ratelimit-limit'], '1200');
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await app.inject({ method: 'POST', url: '/generations', headers: json, payload: [] })).statusCode);
    assert.deepEqual(new Set(statuses.slice(0, 120)), new Set([400]));
    assert.equal(statuses[120], 429);
  });

  test('provider callbacks, gateway deliveries and health checks are never rate limited', async () => {
    const app = await makeApp({ rateLimit: { max: 1, timeWindowMs: 60_000, readMax: 1 } });
    await app.inject({ method: 'POST', url: '/generations', headers: json, payload: [] });
    assert.equal((await app.inject({ method: 'POST', url: '/generations', headers: json, payload: [] })).statusCode, 429, 'the REST budget is spent');
    const requests: [InjectOptions, number][] = [
      [{ method: 'POST', url: cb('kling', 'gen-x', 'forged'), payload: {} }, 401],
      [{ method: 'POST', url: cb('runblob', 'gen-x', 'forged'), payload: {} }, 401],
      [{ method: 'POST', url: '/webhooks/kling', headers: { ...json, 'x-kling-signature': sign('x', 'wrong') }, payload: '{}' }, 401],
      [{ method: 'POST', url: cb('kling', 'gen-x'), payload: [] }, 400],
      [{ method: 'GET', url: '/healthz' }, 200],
    ];
    for (const [req, status] of requests) {
      for (let i = 0; i < 60; i++) {
        const res = await app.inject(req);
        assert.equal(res.statusCode, status, `${req.method} ${req.url}: ${res.body}`);
        assert.equal(res.headers['x-ratelimit-limit'], undefined);
      }
    }
    // A genuine callback still reaches Temporal (unreachable here: 503, so the provider retries).
    const genuine = await app.inject({ method: 'POST', url: cb('kling', 'gen-x'), payload: { task_id: '1', task_status: 'succeed' } });
    assert.equal(genuine.statusCode, 503);
    assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
  });

  test('rateLimit: false turns the limiter off', async () => {
    const app = await makeApp({ rateLimit: false });
    for (let i = 0; i < 200; i++) {
      const res = await app.inject({ method: 'POST', url: '/generations', headers: json, payload: [] });
      assert.equal(res.statusCode, 400);
      assert.equal(res.headers['x-ratelimit-limit'], undefined);
    }
  });
});

describe('body limits, content types, encodings', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await makeApp({ rateLimit: false });
  });

  const routes: [string, string, number][] = [
    ['POST /generations', '/generations', BODY_LIMITS.generations],
    ['POST /generations/:id/cancel', '/generations/nope/cancel', BODY_LIMITS.none],
    ['POST /webhooks/kling/:id', cb('kling', 'gen-x'), BODY_LIMITS.callbacks],
    ['POST /webhooks/runblob/:id', cb('runblob', 'gen-x'), BODY_LIMITS.callbacks],
    ['POST /webhooks/kling', '/webhooks/kling', BODY_LIMITS.callbacks],
  ];

  for (const [name, url, limit] of routes) {
    test(`${name}: a body of ${limit} bytes is read, one byte more is a 413 in the error shape`, async () => {
      const atLimit = await app.inject({ method: 'POST', url, headers: json, payload: bodyOf(limit) });
      assert.notEqual(atLimit.statusCode, 413, atLimit.body);
      assert.ok(atLimit.statusCode >= 400 && atLimit.statusCode < 500, atLimit.body);
      const over = await app.inject({ method: 'POST', url, headers: json, payload: bodyOf(limit + 1) });
      assert.equal(over.statusCode, 413);
      assert.deepEqual(over.json(), { error: { code: 'PAYLOAD_TOO_LARGE', message: `Request body is larger than this route's limit of ${limit} bytes` } });
    });

    test(`${name}: text/plain, multipart, form and missing content types are a 415`, async () => {
      for (const type of ['text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', undefined]) {
        const res = await app.inject({ method: 'POST', url, headers: type ? { 'content-type': type } : {}, payload: '{"prompt":"x"}' });
        assert.equal(res.statusCode, 415, `${type}: ${res.body}`);
        assert.equal(res.json().error.code, 'UNSUPPORTED_MEDIA_TYPE');
      }
    });
  }

  test('GET routes never read a body: a 2 MiB one is ignored, not buffered', async () => {
    const big = bodyOf(2 * 1024 * 1024);
    assert.equal((await app.inject({ method: 'GET', url: '/healthz', headers: json, payload: big })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/generations/nope', headers: json, payload: big })).statusCode, 404);
  });

  test('over a real socket, oversized bodies are answered 413 (declared length and chunked)', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const send = (chunked: boolean) =>
      new Promise<number>((resolve, reject) => {
        const body = Buffer.from(bodyOf(2 * 1024 * 1024));
        const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/generations', headers: chunked ? json : { ...json, 'content-length': body.length } });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    assert.equal(await send(false), 413);
    assert.equal(await send(true), 413);
  });

  test('bodies that are not valid UTF-8 are a 400, not a prompt full of U+FFFD', async () => {
    // With Temporal unreachable a valid body would be a 503: a 400 proves it was refused first.
    const body = Buffer.concat([Buffer.from('{"prompt":"a '), Buffer.from([0xff, 0xfe, 0xc0, 0x80]), Buffer.from(' fox"}')]);
    const res = await app.inject({ method: 'POST', url: '/generations', headers: json, payload: body });
    assert.equal(res.statusCode, 400);
    assert.deepEqual(res.json().error, { code: 'INVALID_JSON', message: 'Body is not valid UTF-8' });
    const signed = Buffer.concat([Buffer.from('{"event":"video.processing","timestamp":1,"data":{"job_id":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}')]);
    const gw = await app.inject({ method: 'POST', url: '/webhooks/kling', headers: { ...json, 'x-kling-signature': sign(signed) }, payload: signed });
    assert.equal(gw.statusCode, 400);
    assert.equal(gw.json().error.code, 'BAD_CALLBACK_BODY');
  });

  test('truncated JSON, empty bodies and prototype keys are INVALID_JSON (gateway: BAD_CALLBACK_BODY)', async () => {
    for (const payload of ['{"prompt":"x"', '', '{"__proto__":{"admin":true},"prompt":"x"}', '{"constructor":{"prototype":{"x":1}},"prompt":"x"}']) {
      const res = await app.inject({ method: 'POST', url: '/generations', headers: json, payload });
      assert.equal(res.statusCode, 400, payload);
      assert.equal(res.json().error.code, 'INVALID_JSON', payload);
    }
    const proto = '{"__proto__":{"x":1},"event":"video.thumbnail_ready","timestamp":1,"data":{"job_id":"1"}}';
    const gw = await app.inject({ method: 'POST', url: '/webhooks/kling', headers: { ...json, 'x-kling-signature': sign(proto) }, payload: proto });
    assert.equal(gw.statusCode, 400);
    assert.equal(gw.json().error.code, 'BAD_CALLBACK_BODY');
  });

  test('bad percent-encoding and over-long ids answer in the error shape', async () => {
    const bad = await app.inject({ method: 'GET', url: '/generations/%E0%A4%A' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'BAD_REQUEST');
    const long = await app.inject({ method: 'GET', url: `/generations/gen-${'a'.repeat(200)}` });
    assert.equal(long.statusCode, 414);
    assert.equal(long.json().error.code, 'BAD_REQUEST');
  });
});

describe('Temporal unreachable', () => {
  test('reads and cancels answer 503 within signalTimeoutMs instead of hanging on gRPC retries', async () => {
    const app = await makeApp({ signalTimeoutMs: 300 });
    for (const [method, url] of [['GET', '/generations/gen-x'], ['POST', '/generations/gen-x/cancel']] as const) {
      const started = Date.now();
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 503, `${method} ${url}: ${res.body}`);
      assert.equal(res.json().error.code, 'TEMPORAL_UNAVAILABLE');
      assert.ok(Date.now() - started < 3_000, `${method} ${url} took ${Date.now() - started} ms`);
    }
  });
});

describe('malformed HTTP', () => {
  test('requests Node cannot parse, header overflows and CONNECT get a 4xx in the error shape, then the socket closes', async () => {
    const app = await makeApp();
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const raw = (data: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1');
        let out = '';
        socket.on('data', (d) => (out += d));
        socket.on('error', reject);
        socket.on('close', () => resolve(out));
        socket.end(Buffer.from(data, 'latin1'));
      });
    const cases: [string, number, string][] = [
      ['GARBAGE\r\n\r\n', 400, 'BAD_REQUEST'],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(20_000) + '\r\n\r\n', 431, 'HEADERS_TOO_LARGE'],
      ['POST /generations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'BAD_REQUEST'],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, 'BAD_REQUEST'],
      ['CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n', 400, 'BAD_REQUEST'],
    ];
    for (const [request, status, code] of cases) {
      const answer = await raw(request);
      assert.match(answer, new RegExp(`^HTTP/1.1 ${status} `), request.slice(0, 40));
      assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code, code);
    }
  });
});

describe('callback authentication comes first', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await makeApp();
  });

  test('a forged token is a 401 whatever the body: malformed, oversized, or of the wrong type', async () => {
    for (const provider of ['kling', 'runblob']) {
      for (const [headers, payload] of [
        [json, '{"task_id":'],
        [json, bodyOf(BODY_LIMITS.callbacks + 1)],
        [{ 'content-type': 'text/plain' }, 'hello'],
        [json, Buffer.from([0xff, 0xff])],
      ] as const) {
        for (const url of [cb(provider, 'gen-x', 'forged'), cb(provider, 'gen-x', callbackToken('gen-y', SECRET)), `/webhooks/${provider}/gen-x`]) {
          const res = await app.inject({ method: 'POST', url, headers, payload });
          assert.equal(res.statusCode, 401, `${url}: ${res.body}`);
          assert.equal(res.json().error.code, 'UNAUTHORIZED');
        }
      }
    }
  });

  test('a valid token for something that is not a generation id is a 404, and Temporal is not asked', async () => {
    const res = await app.inject({ method: 'POST', url: cb('kling', '../../etc/passwd'), payload: { task_id: '1', task_status: 'succeed' } });
    assert.equal(res.statusCode, 404); // a signal attempt would be a 503 here
  });
});

describe('graceful close', () => {
  test('an in-flight request finishes with its answer; idle keep-alive sockets are closed; close does not wait for keep-alive timeouts', async () => {
    // Temporal at a socket that accepts and never answers: the callback's signal call hangs
    // until signalTimeoutMs (then 503, so the provider retries), long enough to close meanwhile.
    const held = new Set<net.Socket>();
    const blackhole = net.createServer((socket) => void held.add(socket));
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    try {
      const { stream, logged } = captureLogs();
      const app = await makeApp({ signalTimeoutMs: 1500 }, `127.0.0.1:${(blackhole.address() as AddressInfo).port}`, { level: 'debug', stream });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = app.server.address() as AddressInfo;
      const request = (method: string, path: string, agent: http.Agent, body?: string) =>
        new Promise<{ status: number; connection: string | undefined; socket: net.Socket }>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: body ? json : {} }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, socket: req.socket! }));
          });
          req.on('error', reject);
          req.end(body);
        });
      const idleAgent = new http.Agent({ keepAlive: true });
      const busyAgent = new http.Agent({ keepAlive: true });

      const idle = await request('GET', '/healthz', idleAgent);
      assert.equal(idle.connection, 'keep-alive');
      const idleClosed = new Promise<void>((r) => idle.socket.once('close', () => r()));

      let settled = false;
      const inFlight = request('POST', cb('kling', 'gen-x'), busyAgent, JSON.stringify({ task_id: '1', task_status: 'succeed' })).finally(() => {
        settled = true;
      });
      // In the handler: Fastify logged it ("incoming request" is a debug line), and Temporal (the black hole) cannot have answered.
      await logged((l) => l.includes('"incoming request"') && l.includes('/webhooks/kling/gen-x'));
      const started = Date.now();
      const closed = app.close();
      await idleClosed; // dropped at once: it had no request in flight
      assert.equal(settled, false, 'the in-flight request is still being served');
      await assert.rejects(request('GET', '/healthz', new http.Agent()), /ECONNREFUSED/, 'no new connections');
      const answer = await inFlight;
      assert.equal(answer.status, 503); // Temporal never answered: the provider will retry
      assert.equal(answer.connection, 'close');
      await closed;
      assert.ok(Date.now() - started < 5_000, `close took ${Date.now() - started} ms`);
      idleAgent.destroy();
      busyAgent.destroy();
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((r) => blackhole.close(r));
    }
  });
});

describe('redactUrl', () => {
  test('masks every query value (the API has no query parameter but the token), whatever the name', () => {
    assert.equal(redactUrl('/webhooks/kling/gen-1?token=abc'), '/webhooks/kling/gen-1?token=[redacted]');
    assert.equal(redactUrl('/x?a=1&TOKEN=abc&b'), '/x?a=[redacted]&TOKEN=[redacted]&b');
    assert.equal(redactUrl('/x?%74oken=abc&tok=abc&token[]=abc'), '/x?%74oken=[redacted]&tok=[redacted]&token[]=[redacted]');
    assert.equal(redactUrl('/x?token=a=b#frag'), '/x?token=[redacted]');
    assert.equal(redactUrl('/generations/gen-1'), '/generations/gen-1');
  });
});
