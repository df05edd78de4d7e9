// The simulator's callback sender: many POSTs at once share one abort signal and one
// keep-alive pool; none may leak a listener or warn, and a refused POST counts as failed.
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { CallbackDispatcher, type Delivery } from '../../src/simulator/callbacks.js';
import { TimerSet } from '../../src/simulator/timers.js';

function delivery(url: string, key: string, onResult: (ok: boolean) => void): Delivery {
  return { url, body: JSON.stringify({ key }), key, terminal: true, policy: { callback: 'deliver', callbackDelayMs: 0, callbackAttempts: 1 }, onAttempt() {}, onResult };
}

test('50 callbacks at once are all delivered, leave no abort listener behind and raise no warning', async () => {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/kling/x`;
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  const dispatcher = new CallbackDispatcher(new TimerSet());
  try {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => new Promise<boolean>((resolve) => dispatcher.send(delivery(url, String(i), resolve)))));
    assert.equal(results.filter(Boolean).length, 50);
    assert.equal(new Set(bodies).size, 50);
    const signal = (dispatcher as unknown as { abort: AbortController }).abort.signal;
    assert.equal(getEventListeners(signal, 'abort').length, 0);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
    dispatcher.close();
    server.close();
  }
});

test('a callback URL nobody listens on, or answering 500, is a failed attempt', async () => {
  const server = http.createServer((_req, res) => void res.writeHead(500).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const dispatcher = new CallbackDispatcher(new TimerSet());
  try {
    const answered500 = await new Promise<boolean>((resolve) => dispatcher.send(delivery(`http://127.0.0.1:${port}/cb`, 'a', resolve)));
    assert.equal(answered500, false);
    server.close();
    await new Promise((r) => server.once('close', r));
    const refused = await new Promise<boolean>((resolve) => dispatcher.send(delivery(`http://127.0.0.1:${port}/cb`, 'b', resolve)));
    assert.equal(refused, false);
  } finally {
    dispatcher.close();
    server.close();
  }
});
