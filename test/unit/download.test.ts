import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Resolver } from '../../activities/addressGuard.js';
import { createCleanupActivities } from '../../activities/cleanup.js';
import { createDownloadActivities, isVideoContentType } from '../../activities/download.js';
import { FailureType } from '../../src/errors.js';
import { failureOf, silentLogger } from '../support/activityTest.js';

const VIDEO = randomBytes(20 * 1024 * 1024 + 123);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
interface Seen {
  path: string;
  host: string | undefined;
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

interface Overrides {
  maxBytes?: number;
  allowedHosts?: string[];
  allowPrivateAddresses?: string[];
  resolve?: Resolver;
  timing?: { heartbeatEveryMs?: number; idleTimeoutMs?: number };
}

/** By default the test server's 127.0.0.1:port is both allowlisted and allowed a private (loopback) address. */
function download(overrides: Overrides = {}) {
  return createDownloadActivities({
    download: {
      dir,
      maxBytes: overrides.maxBytes ?? 1024 ** 3,
      allowedHosts: overrides.allowedHosts ?? [`127.0.0.1:${port}`],
      allowPrivateAddresses: overrides.allowPrivateAddresses ?? [`127.0.0.1:${port}`],
    },
    resolve: overrides.resolve,
    timing: overrides.timing,
  });
}

/** A resolver for made-up names; counts its calls. */
function fakeResolver(table: Record<string, string[]>) {
  const calls: string[] = [];
  const resolve: Resolver = async (hostname) => {
    calls.push(hostname);
    const found = table[hostname];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return { resolve, calls };
}

const files = async () => (await readdir(dir)).sort();


before(async () => {
  server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? '', host: req.headers.host, range: req.headers.range, bytesSent: 0 });
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

    // A long interval, so that only the progress rule decides, however slow the machine.
    const result = await runIn(env, download({ timing: { heartbeatEveryMs: 60_000 } }).downloadVideo, { generationId: 'gen-full', url: `${base}/video` });

    assert.equal(result.path, path.join(dir, 'gen-full.mp4'));
    assert.equal(result.bytes, VIDEO.length);
    assert.equal(result.sha256, sha(VIDEO));
    assert.equal(result.contentType, 'video/mp4');
    assert.ok((await readFile(result.path)).equals(VIDEO));
    assert.equal(existsSync(`${result.path}.part`), false);
    // Every 8 MiB of progress; none at the start or the end, which would say nothing.
    assert.ok(beats.length >= 2, `expected progress heartbeats, got ${beats.join(',')}`);
    assert.ok(beats.every((b) => b >= 8 * 1024 * 1024 && b < VIDEO.length), `heartbeats: ${beats.join(',')}`);
    assert.deepEqual([...beats].sort((a, b) => a - b), beats, 'bytesDone never goes backwards');
  });

  it('sends no heartbeat for a download done within the heartbeat interval: each one costs the Temporal server a write', async () => {
    routes.set('/small', serve(VIDEO.subarray(0, 64 * 1024)));
    const env = mockEnv();
    const beats: number[] = [];
    env.on('heartbeat', (d: { bytesDone: number }) => beats.push(d.bytesDone));

    const result = await runIn(env, download({ timing: { heartbeatEveryMs: 10_000 } }).downloadVideo, { generationId: 'gen-small', url: `${base}/small` });

    assert.equal(result.bytes, 64 * 1024);
    assert.deepEqual(beats, []);
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
    const act = download({ allowedHosts: [`127.0.0.1:${closedPort}`], allowPrivateAddresses: [`127.0.0.1:${closedPort}`] });
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

  it('aborts the transfer promptly when cancelled, leaving only the .part, which discardDownload removes', async () => {
    let sent!: () => void;
    const firstBytesSent = new Promise<void>((resolve) => (sent = resolve));
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-length': 10_000 });
      res.write(randomBytes(1000), () => sent()); // …and never the rest
    });
    const env = mockEnv();
    const running = runIn(env, download().downloadVideo, { generationId: 'gen-cancel', url: `${base}/stall` });
    await firstBytesSent;
    await waitFor(async () => (await stat(path.join(dir, 'gen-cancel.mp4.part')).catch(() => undefined))?.size === 1000);
    const cancelledAt = Date.now();
    env.cancel();
    await assert.rejects(running, (err: unknown) => err instanceof CancelledFailure);
    assert.ok(Date.now() - cancelledAt < 1000, `took ${Date.now() - cancelledAt} ms to stop`);
    assert.deepEqual(await files(), ['gen-cancel.mp4.part']);
    assert.equal((await stat(path.join(dir, 'gen-cancel.mp4.part'))).size, 1000);

    const { discardDownload } = createCleanupActivities({ download: { dir } });
    const out = await runIn(mockEnv(), discardDownload, { generationId: 'gen-cancel' });
    assert.deepEqual(out.removed, [path.join(dir, 'gen-cancel.mp4.part')]);
    assert.deepEqual(await files(), []);
  });

  it('keeps heartbeating while a transfer stalls, then fails it as retryable after the idle timeout, keeping the .part', async () => {
    routes.set('/stall', (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 10_000 });
      res.write(Buffer.alloc(1000, 3)); // …and never the rest
    });
    const env = mockEnv();
    const beats: number[] = [];
    env.on('heartbeat', (d: { bytesDone: number }) => beats.push(d.bytesDone));
    const act = download({ timing: { heartbeatEveryMs: 50, idleTimeoutMs: 600 } });

    const err = await failureOf(runIn(env, act.downloadVideo, { generationId: 'gen-stall', url: `${base}/stall` }));

    assert.equal(err.type, FailureType.downloadFailed);
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /stalled/);
    assert.ok(beats.filter((b) => b === 1000).length >= 5, `heartbeats while stalled: ${beats.join(',')}`);
    assert.deepEqual(await files(), ['gen-stall.mp4.part']);
  });
});

describe('downloadVideo address guard', () => {
  it('refuses 127.0.0.1 by default (even allowlisted), without any request, naming host and reason', async () => {
    const err = await failureOf(
      runIn(mockEnv(), download({ allowPrivateAddresses: [] }).downloadVideo, { generationId: 'gen-loop4', url: `${base}/video?sig=SECRET` }),
    );
    assert.equal(err.type, FailureType.downloadRefused);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
    assert.match(err.message, /loopback/);
    assert.doesNotMatch(err.message, /SECRET|\/video/);
    assert.equal(seen.length, 0);
    assert.deepEqual(await files(), []);
  });

  it('refuses an allowlisted localhost unless it is allowed private addresses', async () => {
    const allowedHosts = [`localhost:${port}`];
    const err = await failureOf(
      runIn(mockEnv(), download({ allowedHosts, allowPrivateAddresses: [] }).downloadVideo, {
        generationId: 'gen-localhost',
        url: `http://localhost:${port}/video`,
      }),
    );
    assert.equal(err.type, FailureType.downloadRefused);
    assert.match(err.message, new RegExp(`localhost:${port} resolves to .*loopback`));
    assert.equal(seen.length, 0);
  });

  it('allows a private address for a host listed in allowPrivateAddresses, only on that port', async () => {
    const other = await failureOf(
      runIn(mockEnv(), download({ allowPrivateAddresses: [`127.0.0.1:${port + 1}`] }).downloadVideo, { generationId: 'gen-p', url: `${base}/video` }),
    );
    assert.equal(other.type, FailureType.downloadRefused);

    const result = await runIn(mockEnv(), download({ allowPrivateAddresses: ['127.0.0.1'] }).downloadVideo, { generationId: 'gen-p', url: `${base}/video` });
    assert.equal(result.sha256, sha(VIDEO));
  });

  it('checks every address a name resolves to', async () => {
    const { resolve } = fakeResolver({ 'cdn.test': ['93.184.216.34', '10.1.2.3'] });
    const err = await failureOf(
      runIn(mockEnv(), download({ allowedHosts: ['cdn.test'], allowPrivateAddresses: [], resolve }).downloadVideo, {
        generationId: 'gen-mixed',
        url: `http://cdn.test:${port}/video`,
      }),
    );
    assert.equal(err.type, FailureType.downloadRefused);
    assert.match(err.message, /cdn\.test:\d+ resolves to 10\.1\.2\.3, a private address/);
  });

  it('connects to the address it checked, resolving the name once (no second DNS answer is used)', async () => {
    // The second answer would be refused: a client that resolved again on connect would fail.
    let answer = '127.0.0.1';
    const calls: string[] = [];
    const resolve: Resolver = async (hostname) => {
      calls.push(hostname);
      const address = answer;
      answer = '10.66.66.66';
      return [{ address, family: 4 }];
    };
    const host = `video.test:${port}`;
    const act = download({ allowedHosts: [host], allowPrivateAddresses: [host], resolve });
    const result = await runIn(mockEnv(), act.downloadVideo, { generationId: 'gen-pinned', url: `http://${host}/video` });
    assert.equal(result.sha256, sha(VIDEO));
    assert.deepEqual(calls, ['video.test']);
    assert.equal(seen[0]?.host, host, 'the request still names the host');
  });

  it('refuses a redirect from an allowed host to a private address', async () => {
    routes.set('/to-private', (_req, res) => res.writeHead(302, { location: `http://localhost:${port}/video` }).end());
    const act = download({ allowedHosts: [`127.0.0.1:${port}`, `localhost:${port}`], allowPrivateAddresses: [`127.0.0.1:${port}`] });
    const err = await failureOf(runIn(mockEnv(), act.downloadVideo, { generationId: 'gen-redir', url: `${base}/to-private` }));
    assert.equal(err.type, FailureType.downloadRefused);
    assert.equal(err.nonRetryable, true);
    assert.match(err.message, new RegExp(`localhost:${port} resolves to .*loopback`));
    assert.deepEqual(
      seen.map((s) => s.path),
      ['/to-private'],
    );
  });

  it('refuses a redirect to a literal private address in any spelling', async () => {
    for (const target of [`http://0x7f.0.0.1:${port}/video`, `http://127.1:${port}/video`, `http://[::ffff:127.0.0.1]:${port}/video`]) {
      seen = [];
      routes.set('/to-literal', (_req, res) => res.writeHead(302, { location: target }).end());
      const act = download({
        allowedHosts: [`127.0.0.1:${port}`, `[::ffff:7f00:1]:${port}`],
        allowPrivateAddresses: [`127.0.0.1:${port}`],
      });
      // The URL parser turns 0x7f.0.0.1 and 127.1 into 127.0.0.1, which is allowed here:
      // those two must succeed, the mapped IPv6 form must be refused.
      if (target.includes('::ffff')) {
        const err = await failureOf(runIn(mockEnv(), act.downloadVideo, { generationId: 'gen-lit', url: `${base}/to-literal` }));
        assert.equal(err.type, FailureType.downloadRefused, target);
        assert.match(err.message, /IPv4-mapped loopback/);
        assert.equal(seen.length, 1);
      } else {
        const r = await runIn(mockEnv(), act.downloadVideo, { generationId: `gen-lit-${seen.length}-${target.length}`, url: `${base}/to-literal` });
        assert.equal(r.sha256, sha(VIDEO), target);
      }
    }
  });
});

describe('downloadVideo content checks', () => {
  it('recognises video-like content types', () => {
    for (const t of [undefined, '', 'video/mp4', 'Video/MP4; codecs="avc1"', 'video/webm', 'application/octet-stream', 'binary/octet-stream', 'application/mp4']) {
      assert.equal(isVideoContentType(t), true, String(t));
    }
    for (const t of ['text/html', 'text/html; charset=utf-8', 'application/json', 'text/plain', 'image/png', 'video/', 'application/xml', 'videos/mp4']) {
      assert.equal(isVideoContentType(t), false, t);
    }
  });

  it('refuses a response whose Content-Type is not a video, leaving nothing behind', async () => {
    for (const type of ['text/html; charset=utf-8', 'application/json']) {
      routes.set('/page', (_req, res) => res.writeHead(200, { 'content-type': type }).end('<html>expired</html>'));
      const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-html', url: `${base}/page` }));
      assert.equal(err.type, FailureType.downloadBadContent, type);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, new RegExp(type.split(';')[0] as string));
      assert.deepEqual(await files(), []);
    }
  });

  it('accepts application/octet-stream and reports the type it was sent', async () => {
    const small = randomBytes(777);
    routes.set('/bin', (_req, res) => res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': small.length }).end(small));
    const result = await runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-bin', url: `${base}/bin` });
    assert.equal(result.sha256, sha(small));
    assert.equal(result.contentType, 'application/octet-stream');
  });

  it('fails a body shorter than its Content-Length as retryable, keeps the .part, and a resume completes it', async () => {
    const small = randomBytes(50_000);
    routes.set('/short', (_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': small.length });
      // …then a clean close, 30,000 bytes early (after a pause, so the client has read what came).
      res.write(small.subarray(0, 20_000), () => setTimeout(() => res.socket?.end(), 100));
    });
    const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-short', url: `${base}/short` }));
    assert.equal(err.type, FailureType.downloadFailed);
    assert.equal(err.nonRetryable, false);
    assert.match(err.message, /20000 of 50000 bytes/);
    assert.deepEqual(await files(), ['gen-short.mp4.part']);
    assert.equal((await stat(path.join(dir, 'gen-short.mp4.part'))).size, 20_000);

    routes.set('/short', serve(small));
    seen = [];
    const result = await runIn(mockEnv({ attempt: 2 }), download().downloadVideo, { generationId: 'gen-short', url: `${base}/short` });
    assert.equal(seen[0]?.range, 'bytes=20000-');
    assert.equal(result.sha256, sha(small));
    assert.deepEqual(await files(), ['gen-short.mp4']);
  });

  it('refuses a body longer than announced and deletes the .part', async () => {
    const small = randomBytes(1000);
    for (const framing of ['content-length', 'chunked'] as const) {
      await writeFile(path.join(dir, 'gen-long.mp4.part'), small.subarray(0, 500));
      routes.set('/long', (_req, res) => {
        // Announces bytes 500-999 of 1000, then sends 1,500 bytes.
        const headers: Record<string, string | number> = { 'content-type': 'video/mp4', 'content-range': 'bytes 500-999/1000' };
        if (framing === 'content-length') headers['content-length'] = 1500;
        res.writeHead(206, headers);
        res.end(randomBytes(1500));
      });
      const err = await failureOf(runIn(mockEnv(), download().downloadVideo, { generationId: 'gen-long', url: `${base}/long` }));
      assert.equal(err.type, FailureType.downloadBadContent, framing);
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, /more than the 1000 bytes it announced/);
      assert.deepEqual(await files(), [], framing);
    }
  });
});

/** Polls until `check` holds (2 s at most). */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 2000;
  while (!(await check())) {
    if (Date.now() > until) assert.fail('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
