// The HTTP client of the Kling API calls and the simulator's callbacks: connections reused,
// any status answered, and the timeout covering the whole exchange.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KeepAliveHttp, MAX_ANSWER_BYTES } from '../../src/providers/keepAliveHttp.js';

async function withServer(handler: http.RequestListener, fn: (base: string, connections: () => number) => Promise<void>) {
  let connections = 0;
  const server = http.createServer(handler);
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, () => connections);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

test('answers any status with its body, and reuses one connection for requests in turn', async () => {
  const seen: string[] = [];
  await withServer(
    (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-length'] ?? '-'} ${body}`);
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ got: body }));
      });
    },
    async (base, connections) => {
      const client = new KeepAliveHttp();
      try {
        const posted = await client.send(`${base}/tasks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"prompt":"ünïcode"}', timeoutMs: 2000 });
        assert.equal(posted.status, 200);
        assert.deepEqual(JSON.parse(posted.text), { got: '{"prompt":"ünïcode"}' });
        const missing = await client.send(`${base}/missing`, { method: 'GET', timeoutMs: 2000 });
        assert.equal(missing.status, 404);
        assert.equal(missing.statusText, 'Not Found');
        for (let i = 0; i < 5; i++) await client.send(`${base}/again`, { method: 'GET', timeoutMs: 2000 });
        assert.equal(connections(), 1, 'keep-alive: one connection for seven requests in turn');
        assert.equal(seen[0], `POST /tasks ${Buffer.byteLength('{"prompt":"ünïcode"}')} {"prompt":"ünïcode"}`);
      } finally {
        client.close();
      }
    },
  );
});

test('the timeout covers the whole answer: a body that never ends is a TimeoutError', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"code":0,'); // headers and half a body, then nothing
    },
    async (base) => {
      const client = new KeepAliveHttp();
      const started = Date.now();
      await assert.rejects(client.send(`${base}/slow`, { method: 'GET', timeoutMs: 300 }), (err: Error) => err.name === 'TimeoutError' && /300 ms/.test(err.message));
      assert.ok(Date.now() - started < 2000);
      client.close();
    },
  );
});

test('refused connections, aborts and oversized answers reject', async () => {
  const client = new KeepAliveHttp();
  await withServer(
    (_req, res) => res.end(Buffer.alloc(MAX_ANSWER_BYTES + 1024, 'x')),
    async (base) => {
      await assert.rejects(client.send(`${base}/big`, { method: 'GET', timeoutMs: 5000 }), /larger than/);
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(client.send(`${base}/any`, { method: 'GET', timeoutMs: 5000, signal: controller.signal }), { name: 'AbortError' });
    },
  );
  await assert.rejects(client.send('http://127.0.0.1:1/', { method: 'GET', timeoutMs: 2000 }), { code: 'ECONNREFUSED' });
  await assert.rejects(client.send('ftp://example.com/', { method: 'GET', timeoutMs: 2000 }), TypeError);
  client.close();
});
