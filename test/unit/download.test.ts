import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDownloadActivities } from '../../activities/download.js';
import { FailureType } from '../../src/errors.js';
import { failureOf, silentLogger } from '../support/activityTest.js';

const VIDEO = randomBytes(20 * 1024 * 1024 + 123);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
interface Seen {
  path: string;
  range: string | undefined;
  bytesSent: number;
}

let server: http.Server;
let base: string;
let port: number;
let dir: string;
let seen: Seen[];
let routes: Map<string, Handler>;

/** Serves `data`, honouring Range unless told not to; can cut the connection after `cutAfter` bytes. */
function serve(data: Buffer, opts: { range?: boolean; cutAfter?: number } = {}): Handler {
  return (req, res) => {
    const record = seen.at(-1) as Seen;
    let start = 0;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m && opts.range !== false) {
      start = Number(m[1]);
      if (start >= data.length) {
        res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
        return;
      }
      res.writeHead(206, {
        'content-type': 'video/mp4',
        'content-length': data.length - start,
        'content-range': `bytes ${start}-${data.length - 1}/${data.length}`,
      });
    } else {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': data.length });
    }
    const body = data.subarray(start, opts.cutAfter === undefined ? undefined : start + opts.cutAfter);
    record.bytesSent = body.length;
    if (opts.cutAfter === undefined) res.end(body);
    else res.write(body, () => res.socket?.destroy());
  };
}

const mockEnv = (info?: ConstructorParameters<typeof MockActivityEnvironment>[0]) => new MockActivityEnvironment(info, { logger: silentLogger });
// env.run cannot infer the result type from a method reference; this keeps it.
const runIn = <A extends unknown[], R>(env: MockActivityEnvironment, fn: (...args: A) => Promise<R>, ...args: A) => env.run(fn, ...args) as Promise<R>;

function download(overrides: { maxBytes?: number; allowedHosts?: string[] } = {}) {
  return createDownloadActivities({
    download: { dir, maxBytes: overrides.maxBytes ?? 1024 ** 3, allowedHosts: overrides.allowedHosts ?? [`127.0.0.1:${port}`] },
  });
}


before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', range: req.headers.range, bytesSent: 0 });
    const handler = routes.get(req.url ?? '');
    if (handler) handler(req, res);
    else res.writeHead(404).end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'klingflow-download-'));
  seen = [];
  routes = new Map([['/video', serve(VIDEO)]]);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('downloadVideo', () => {
  it('downloads the whole file, hashing while streaming, and heartbeats progress', async () => {
    const env = mockEnv();
    const beats: number[] = [];
    env.on('heartbeat', (d: { bytesDone: number }) => beats.push(d.bytesDone));

    const result = await runIn(env, download().downloadVideo, { generationId: 'gen-full', url: `${base}/video` });

    assert.equal(result.path, path.join(dir, 'gen-full.mp4'));
    assert.equal(result.bytes, VIDEO.length);
    assert.equal(result.sha256, sha(VIDEO));
    assert.equal(result.contentType, 'video/mp4');
    assert.ok((await readFile(result.path)).equals(VIDEO));
    assert.equal(existsSync(`${result.path}.part`), false);
    assert.equal(beats.at(-1), VIDEO.length);
    assert.ok(beats.some((b) => b > 0 && b < VIDEO.length), `expected progress heartbeats, got ${beats.join(',')}`);
    assert.deepEqual([...beats].sort((a, b) => a - b), beats, 'bytesDone never goes backwards');
  });

  it('keeps the .part after a body cut mid-stream, then resumes with Range and fetches only the rest', async () => {
    routes.set('/video', serve(VIDEO, { cutAfter: 5 * 1024 * 1024 }));
    const first = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-cut', url: `${base}/video` }));
    assert.equal(first.type, FailureType.downloadFailed);
    assert.equal(first.nonRetryable, false);

    const part = path.join(dir, 'gen-cut.mp4.part');
    const n = (await stat(part)).size;
    assert.ok(n > 0 && n < VIDEO.length, `part file holds ${n} bytes`);

    routes.set('/video', serve(VIDEO));
    seen = [];
    const env = mockEnv({ attempt: 2, heartbeatDetails: { bytesDone: n } });
    const result = await runIn(env, download().downloadVideo, { generationId: 'gen-cut', url: `${base}/video` });

    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.range, `bytes=${n}-`);
    assert.equal(seen[0]?.bytesSent, VIDEO.length - n);
    assert.equal(result.bytes, VIDEO.length);
    assert.equal(result.sha256, sha(VIDEO));
    assert.ok((await readFile(result.path)).equals(VIDEO));
  });

  it('starts over when the server ignores Range (200)', async () => {
    routes.set('/video', serve(VIDEO, { range: false }));
    await writeFile(path.join(dir, 'gen-norange.mp4.part'), Buffer.alloc(4096, 7));

    const result = await runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-norange', url: `${base}/video` });

    assert.equal(seen[0]?.range, 'bytes=4096-', 'a resume was attempted');
    assert.equal(result.bytes, VIDEO.length);
    assert.equal(result.sha256, sha(VIDEO));
  });

  it('starts over without Range on 416', async () => {
    const small = randomBytes(1000);
    routes.set('/small', serve(small));
    await writeFile(path.join(dir, 'gen-416.mp4.part'), Buffer.alloc(2000, 1));

    const result = await runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-416', url: `${base}/small` });

    assert.deepEqual(
      seen.map((s) => s.range),
      ['bytes=2000-', undefined],
    );
    assert.equal(result.sha256, sha(small));
    assert.equal(result.bytes, 1000);
  });

  it('follows redirects within the allowlist', async () => {
    routes.set('/hop', (_req, res) => res.writeHead(302, { location: '/video' }).end());
    const result = await runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-hop', url: `${base}/hop` });
    assert.equal(result.sha256, sha(VIDEO));
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/hop', '/video'],
    );
  });

  it('refuses a host outside the allowlist without any request, naming the host', async () => {
    const err = await failureOf(
      runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-refused', url: `http://localhost:${port}/video` }),
    );
    assert.equal(err.type, FailureType.downloadRefused);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, new RegExp(`localhost:${port}`));
    assert.equal(seen.length, 0);
  });

  it('refuses a non-http scheme', async () => {
    const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-ftp', url: 'ftp://127.0.0.1/video' }));
    assert.equal(err.type, FailureType.downloadRefused);
    assert.equal(err.nonRetryable, true);
  });

  it('refuses a redirect to a host outside the allowlist', async () => {
    routes.set('/out', (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/video` }).end());
    const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-out', url: `${base}/out` }));
    assert.equal(err.type, FailureType.downloadRefused);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, /localhost/);
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/out'],
    );
  });

  it('gives up after 5 redirects', async () => {
    routes.set('/loop', (_req, res) => res.writeHead(307, { location: '/loop' }).end());
    const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-loop', url: `${base}/loop` }));
    assert.equal(err.nonRetryable, true);
    assert.equal(seen.length, 6);
  });

  it('refuses a Content-Length over the cap before writing anything', { timeout: 5000 }, async () => {
    // Headers only, body never sent: only a check of the header itself can fail this fast.
    routes.set('/video', (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 2048 });
      res.flushHeaders();
    });
    const err = await failureOf(
      runIn(mockEnv(), download({ maxBytes: 1024 }).downloadVideo, { generationId: 'gen-big', url: `${base}/video` }),
    );
    assert.equal(err.type, FailureType.downloadTooLarge);
    assert.equal(err.nonRetryable, true);
    assert.equal(existsSync(path.join(dir, 'gen-big.mp4.part')), false);
  });

  it('stops a body without Content-Length once it passes the cap and deletes the part', async () => {
    routes.set('/chunked', (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(randomBytes(800));
      res.end(randomBytes(800));
    });
    const err = await failureOf(
      runIn(mockEnv(), download({ maxBytes: 1024 }).downloadVideo, { generationId: 'gen-chunked', url: `${base}/chunked` }),
    );
    assert.equal(err.type, FailureType.downloadTooLarge);
    assert.equal(existsSync(path.join(dir, 'gen-chunked.mp4.part')), false);
  });

  it('fails 404 as non-retryable and 503 as retryable (honouring Retry-After)', async () => {
    const notFound = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-404', url: `${base}/missing` }));
    assert.equal(notFound.type, FailureType.downloadFailed);
    assert.equal(notFound.nonRetryable, true);

    routes.set('/busy', (_req, res) => res.writeHead(503, { 'retry-after': '3' }).end());
    const busy = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-503', url: `${base}/busy` }));
    assert.equal(busy.type, FailureType.downloadFailed);
    assert.equal(busy.nonRetryable, false);
    assert.equal(busy.nextRetryDelay, 3000);
  });

  it('fails a refused connection as retryable', async () => {
    const closed = http.createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const closedPort = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const act = download({ allowedHosts: [`127.0.0.1:${closedPort}`] });
    const err = await failureOf(runIn(mockEnv(), act.downloadVideo, { generationId: 'gen-down', url: `http://127.0.0.1:${closedPort}/v` }));
    assert.equal(err.type, FailureType.downloadFailed);
    assert.equal(err.nonRetryable, false);
  });

  it('returns an already finished file without any request', async () => {
    const done = randomBytes(5000);
    await writeFile(path.join(dir, 'gen-done.mp4'), done);
    const result = await runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-done', url: `${base}/video` });
    assert.equal(seen.length, 0);
    assert.equal(result.sha256, sha(done));
    assert.equal(result.bytes, 5000);
  });

  it('aborts the transfer when the activity is cancelled', async () => {
    let sent!: () => void;
    const firstBytesSent = new Promise<void>((resolve) => (sent = resolve));
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-length': 10_000 });
      res.write(randomBytes(1000), () => sent()); // …and never the rest
    });
    const env = mockEnv();
    const running = runIn(env, download().downloadVideo, { generationId: 'gen-cancel', url: `${base}/stall` });
    await firstBytesSent;
    env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
  });
});
