// The Kling simulator on a loopback port plus a local HTTP receiver for its callbacks and
// gateway deliveries, with typed helpers for the simulator tests. Usage:
//
//   const sim = simulatorHarness({ accessKey: 'ak', secretKey: 'sk' });
//   const { kling, configure, stats, waitFor } = sim;
//   before(() => sim.start());
//   after(() => sim.close());
//   beforeEach(() => sim.reset());
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/app.js';
import type { SimConfig } from '../../src/simulator/control.js';
import type { SimState } from '../../src/simulator/state.js';
import type { KlingTask } from '../../src/simulator/taskView.js';
import { waitFor as poll } from './waitFor.js';

export type SimStats = ReturnType<SimState['statsView']>;

/** A Kling API answer: the HTTP status and the { code, message, request_id, data } envelope. */
export interface KlingAnswer<T> {
  status: number;
  body: { code: number; message: string; request_id: string; data: T };
}

export interface KlingRequestOptions {
  /** false: send no Authorization header. */
  auth?: boolean;
  /** Sign the JWT with this secret instead of the simulator's. */
  secret?: string;
  signal?: AbortSignal;
}

/** One request the receiver got, failed attempts included. */
export interface Received<B> {
  path: string;
  body: B;
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  /** Date.now() when the body had arrived. */
  at: number;
  /** The status the receiver answered: 500 while failing (see failNext), else 200. */
  answered: number;
}

export interface SimulatorHarness<B> {
  start(): Promise<void>;
  close(): Promise<void>;
  /** The simulator's base URL (after start). */
  readonly url: string;
  /** The receiver's base URL (after start); append a path to tell callbacks apart. */
  readonly receiverUrl: string;
  /** Everything the receiver got since the last reset, in arrival order. */
  readonly received: Received<B>[];
  receivedAt(path: string): Received<B>[];
  /** The receiver answers the next `count` requests with 500 (they are still recorded). */
  failNext(count: number): void;
  /** Any request to the simulator: JSON body (strings are sent as they are), JSON answer. */
  request<T = any>(method: string, path: string, body?: unknown, init?: { headers?: Record<string, string>; signal?: AbortSignal }): Promise<{ status: number; body: T }>;
  /** A Kling API request, by default with a valid JWT for the simulator's keys. */
  kling<T = KlingTask>(method: string, path: string, body?: unknown, options?: KlingRequestOptions): Promise<KlingAnswer<T>>;
  /** A /_sim/<path> control request; the status is the caller's to check. */
  control<T = { error: string }>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** PUT /_sim/config, asserting 200. */
  configure(patch: Record<string, unknown>): Promise<void>;
  /** GET /_sim/config, asserting 200. */
  config(): Promise<SimConfig>;
  /** GET /_sim/stats, asserting 200. */
  stats(): Promise<SimStats>;
  /** POST /_sim/reset (asserting 200), then forget what the receiver got and stop failing. */
  reset(): Promise<void>;
  /** Polls every 20 ms until `probe` gives a truthy value and returns it; fails after timeoutMs. */
  waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs?: number): Promise<T>;
  /** Polls GET /v1/videos/<family>/<id> until the task has `status`; returns the task. */
  waitForTask(id: string, status: string, family?: string): Promise<KlingTask>;
}

/** Nothing listens until start(); the helpers may be destructured right away. */
export function simulatorHarness<B = any>(options: SimulatorOptions): SimulatorHarness<B> {
  let simulator: RunningSimulator | undefined;
  let receiverUrl: string | undefined;
  const received: Received<B>[] = [];
  let failing = 0;

  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const answered = failing > 0 ? 500 : 200;
      if (failing > 0) failing--;
      received.push({ path: req.url ?? '', body: JSON.parse(raw.toString('utf8')) as B, raw, headers: req.headers, at: Date.now(), answered });
      res.writeHead(answered).end();
    });
  });

  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`simulator harness: ${what} before start()`);
    return value;
  };
  const bearer = (secret = options.secretKey) => {
    const now = Math.floor(Date.now() / 1000);
    return `Bearer ${jwt.sign({ iss: options.accessKey, exp: now + 1800, nbf: now - 5 }, secret, { algorithm: 'HS256' })}`;
  };

  const harness: SimulatorHarness<B> = {
    async start() {
      simulator = await startSimulator(options);
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    },
    async close() {
      await simulator?.close();
      receiver.closeAllConnections();
      await new Promise((r) => receiver.close(r));
    },
    get url() {
      return started(simulator, 'url').url;
    },
    get receiverUrl() {
      return started(receiverUrl, 'receiverUrl');
    },
    received,
    receivedAt: (path) => received.filter((r) => r.path === path),
    failNext(count) {
      failing = count;
    },

    async request(method, path, body, { headers = {}, signal } = {}) {
      const res = await fetch(`${harness.url}${path}`, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        signal,
      });
      return { status: res.status, body: await res.json() };
    },
    kling: (method, path, body, { auth = true, secret, signal } = {}) =>
      harness.request(method, path, body, { headers: auth ? { authorization: bearer(secret) } : {}, signal }),
    control: (method, path, body) => harness.request(method, `/_sim/${path}`, body),
    async configure(patch) {
      assert.equal((await harness.control('PUT', 'config', patch)).status, 200);
    },
    config: () => ok<SimConfig>('GET', 'config'),
    stats: () => ok<SimStats>('GET', 'stats'),
    async reset() {
      await ok('POST', 'reset');
      received.length = 0;
      failing = 0;
    },

    waitFor: (probe, what, timeoutMs = 5000) => poll(async () => probe(), what, timeoutMs, 20),
    waitForTask: (id, status, family = 'text2video') =>
      harness.waitFor(async () => {
        const { body } = await harness.kling('GET', `/v1/videos/${family}/${id}`);
        return body.data?.task_status === status ? body.data : undefined;
      }, `${family} ${id} ${status}`),
  };

  async function ok<T>(method: string, path: string): Promise<T> {
    const res = await harness.control<T>(method, path);
    assert.equal(res.status, 200, `${method} /_sim/${path}`);
    return res.body;
  }

  return harness;
}
