// Copies a finished video from the provider's URL into the download folder, before the
// provider's URL expires. Retries resume from the partial file instead of starting over.
//
// Guards: every hop (the URL and each redirect) must pass the host allowlist and the address
// guard, and the connection goes to the addresses that were checked (addressGuard.ts). The
// response must look like a video and deliver exactly the bytes it announced.
// Files: only `<id>.mp4.part` (while running) and `<id>.mp4` (done) are ever written. A
// failure that will be retried, and a cancellation (which may be a worker shutdown), keep
// the .part for the resume; a failure no attempt will retry deletes it. discardDownload
// (cleanup.ts) removes what a cancelled or timed-out generation left behind.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../src/config.js';
import { FailureType } from '../src/errors.js';
import type { DownloadedVideo } from '../workflows/types.js';
import { AddressRefusedError, pinnedLookup, type ResolvedAddress, type Resolver, vetUrlHost } from './addressGuard.js';
import { fsyncDir, hashFileInto, isSafeFileStem, sha256File } from './fileHash.js';
import { isHostAllowed } from './hostAllowlist.js';
import { parseRetryAfter } from './retryAfter.js';

const MAX_REDIRECTS = 5;
const HEARTBEAT_EVERY_MS = 1000;
const HEARTBEAT_EVERY_BYTES = 8 * 1024 * 1024;
/** No byte (or no answer) for this long: the attempt fails retryably, keeping the .part. */
const IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_CONTENT_TYPE = 'video/mp4';
/** Besides video/*: what CDNs commonly send for an .mp4. */
const VIDEO_LIKE_TYPES = new Set(['application/octet-stream', 'binary/octet-stream', 'application/mp4']);

export interface DownloadDeps {
  download: Config['download'];
  /**
   * Not used: the download makes its own connections so that they go to the addresses the
   * guard checked. Accepted so createActivities can pass its shared fetch unchanged.
   */
  fetch?: typeof fetch;
  /** DNS resolution (tests inject names); default: the system resolver (dns.lookup). */
  resolve?: Resolver;
  /** Tests shorten these. */
  timing?: { heartbeatEveryMs?: number; idleTimeoutMs?: number };
}

export interface DownloadVideoInput {
  generationId: string;
  url: string;
}

/** Heartbeat details. Only a hint for the next attempt: the .part file on disk is the truth. */
export interface DownloadProgress {
  bytesDone: number;
}

/** Whether a Content-Type header (absent counts as fine) can be a video file. */
export function isVideoContentType(header: string | undefined): boolean {
  const type = header?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === '' || (type.startsWith('video/') && type.length > 'video/'.length) || VIDEO_LIKE_TYPES.has(type);
}

const refused = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.downloadRefused);
const tooLarge = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.downloadTooLarge);
const badContent = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.downloadBadContent);
const failed = (message: string, retryable: boolean, nextRetryDelay?: number) =>
  ApplicationFailure.create({ message, type: FailureType.downloadFailed, nonRetryable: !retryable, nextRetryDelay });

/** The parts of an HTTP answer the download reads. */
interface Reply {
  status: number;
  header(name: string): string | undefined;
  body: IncomingMessage;
  /** Drops the answer and its connection. */
  discard(): void;
}

class IdleTimeout extends Error {
  override name = 'IdleTimeout';
}

export function createDownloadActivities(deps: DownloadDeps) {
  const { dir, maxBytes, allowedHosts, allowPrivateAddresses } = deps.download;
  const heartbeatEveryMs = deps.timing?.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS;
  const idleTimeoutMs = deps.timing?.idleTimeoutMs ?? IDLE_TIMEOUT_MS;

  // Provider URLs are signed: messages name the host, never the full URL.
  function checkHost(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refused(`Download refused: scheme "${url.protocol}" is not http(s) (host ${url.host || 'none'})`);
    }
    if (!isHostAllowed(url, allowedHosts)) {
      throw refused(`Download refused: host ${url.host} is not in the download allowlist (DOWNLOAD_ALLOWED_HOSTS)`);
    }
  }

  /** Allowlist, then address guard: the addresses the connection to `url` may use. */
  async function vet(url: URL): Promise<ResolvedAddress[]> {
    checkHost(url);
    try {
      return await vetUrlHost(url, { allowPrivate: allowPrivateAddresses, resolve: deps.resolve });
    } catch (err) {
      if (err instanceof AddressRefusedError) {
        throw refused(`Download refused: ${err.message}, not allowed for downloads (DOWNLOAD_ALLOW_PRIVATE)`);
      }
      // Most often a passing DNS failure: the next attempt resolves again.
      throw failed(`Download from ${url.host}: cannot resolve the host: ${describe(err)}`, true);
    }
  }

  /** GET that follows redirects itself, so every hop passes the same checks. */
  async function get(start: URL, offset: number, signal: AbortSignal): Promise<Reply> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const addresses = await vet(url);
      // identity: Range offsets and Content-Length must count the bytes we write to disk.
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'klingflow' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      const res = await request(url, headers, addresses, signal);
      const location = res.header('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      res.discard();
      if (hop >= MAX_REDIRECTS) throw failed(`Download from ${start.host}: more than ${MAX_REDIRECTS} redirects`, false);
      try {
        url = new URL(location, url);
      } catch {
        throw failed(`Download from ${url.host}: redirect to an invalid location`, false);
      }
    }
  }

  return {
    async downloadVideo({ generationId, url }: DownloadVideoInput): Promise<DownloadedVideo> {
      const ctx = Context.current();
      const cancelled = ctx.cancellationSignal;
      if (!isSafeFileStem(generationId)) throw failed(`Download refused: unusable generation id "${generationId}"`, false);
      let source: URL;
      try {
        source = new URL(url);
      } catch {
        throw refused('Download refused: the video URL is not a valid URL');
      }
      checkHost(source); // before touching the disk; the address guard runs on connecting

      const finalPath = path.join(dir, `${generationId}.mp4`);
      const partPath = `${finalPath}.part`;

      // Aborts the transfer on cancellation or when the server goes quiet.
      const transfer = new AbortController();
      const onCancel = () => transfer.abort(cancelled.reason);
      if (cancelled.aborted) onCancel();
      else cancelled.addEventListener('abort', onCancel, { once: true });
      let idleTimer: NodeJS.Timeout | undefined;
      // Called for every chunk: refresh() re-arms the same timer instead of making a new one.
      const touch = () => {
        if (idleTimer) idleTimer.refresh();
        else idleTimer = setTimeout(() => transfer.abort(new IdleTimeout(`no data for ${idleTimeoutMs} ms`)), idleTimeoutMs);
      };
      // Heartbeats go out on a timer as well as on progress: Temporal delivers a cancellation
      // only in answer to a heartbeat, so a stalled transfer must keep heartbeating.
      const progress = heartbeater(ctx, heartbeatEveryMs);

      try {
        await mkdir(dir, { recursive: true });

        // An earlier attempt finished and renamed, but its result never reached the workflow.
        if (await isFile(finalPath)) {
          const { sha256, bytes } = await sha256File(finalPath);
          return { path: finalPath, bytes, sha256, contentType: DEFAULT_CONTENT_TYPE };
        }

        let hash = createHash('sha256');
        let offset = await sizeOf(partPath);
        if (offset > maxBytes) offset = 0; // a stale oversize part cannot be resumed
        if (offset > 0) {
          const hinted = (ctx.info.heartbeatDetails as Partial<DownloadProgress> | undefined)?.bytesDone;
          ctx.log.info('Resuming download from the partial file', { bytesOnDisk: offset, lastHeartbeat: hinted ?? null });
          await hashFileInto(hash, partPath, offset, (b) => {
            transfer.signal.throwIfAborted();
            progress.report(b);
          });
        }

        touch();
        let res = await get(source, offset, transfer.signal);
        if (offset > 0 && !(res.status === 206 && contentRange(res)?.start === offset)) {
          // 200: the server ignored Range, so take the full body it is sending. 416 or a range
          // we did not ask for: ask again without Range. Errors keep the part for a later attempt.
          if (res.status === 200 || res.status === 206 || res.status === 416) {
            offset = 0;
            hash = createHash('sha256');
          }
          if (res.status === 206 || res.status === 416) {
            res.discard();
            res = await get(source, 0, transfer.signal);
          }
        }
        touch();
        if (res.status !== 200 && res.status !== 206) throw statusFailure(res, source.host);
        if (res.status === 206 && contentRange(res)?.start !== offset) {
          res.discard();
          throw failed(`Download from ${source.host}: unexpected Content-Range "${res.header('content-range')}"`, false);
        }
        const contentType = res.header('content-type')?.trim();
        if (!isVideoContentType(contentType)) {
          res.discard();
          throw badContent(`Download from ${source.host} refused: Content-Type "${clip(contentType ?? '')}" is not a video`);
        }

        // What the server announced for the whole file: Content-Length of a 200, Content-Range
        // total (or offset + Content-Length) of a 206.
        const length = contentLength(res);
        const total = res.status === 206 ? (contentRange(res)?.total ?? (length === undefined ? undefined : offset + length)) : length;
        if (total !== undefined && total > maxBytes) {
          res.discard();
          throw tooLarge(`Video from ${source.host} is ${total} bytes, over the ${maxBytes}-byte cap`);
        }

        let bytes = offset;
        const fh = await open(partPath, offset > 0 ? 'a' : 'w');
        const writer = batchedWriter(fh);
        try {
          try {
            // At most ~2 MiB in memory: waiting for the disk is the backpressure (batchedWriter).
            for await (const chunk of res.body as AsyncIterable<Buffer>) {
              touch();
              bytes += chunk.byteLength;
              if (bytes > maxBytes) throw tooLarge(`Video from ${source.host} exceeded the ${maxBytes}-byte cap while streaming`);
              if (total !== undefined && bytes > total) {
                throw badContent(`Download from ${source.host} sent more than the ${total} bytes it announced`);
              }
              hash.update(chunk);
              const full = writer.write(chunk);
              if (full) await full;
              progress.report(bytes);
            }
            await writer.flush();
          } catch (err) {
            // What arrived goes to disk, so that a retry (or a resume after a cancel) starts from it.
            await writer.flush().catch(() => undefined);
            if (err instanceof ApplicationFailure || transfer.signal.aborted) throw err;
            // Cut mid-stream: what arrived is on disk; the next attempt resumes from there.
            const of = total === undefined ? '' : ` of ${total}`;
            throw failed(`Download from ${source.host} interrupted after ${bytes}${of} bytes: ${describe(err)}`, true);
          } finally {
            clearTimeout(idleTimer);
            res.discard();
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
        if (total !== undefined && bytes < total) {
          throw failed(`Download from ${source.host} ended after ${bytes} of ${total} bytes`, true);
        }
        // Cancelled after the last byte: still only a .part, never a finished file nobody wants.
        cancelled.throwIfAborted();

        await rename(partPath, finalPath);
        await fsyncDir(dir);
        return { path: finalPath, bytes, sha256: hash.digest('hex'), contentType: contentType || DEFAULT_CONTENT_TYPE };
      } catch (err) {
        // Cancellation: rethrow the SDK's reason so the attempt is reported as cancelled. The
        // .part stays: a worker shutdown cancels too, and its retry resumes from it.
        if (cancelled.aborted) throw cancelled.reason ?? err;
        if (transfer.signal.reason instanceof IdleTimeout) {
          throw failed(`Download from ${source.host} stalled: ${transfer.signal.reason.message}`, true);
        }
        if (err instanceof ApplicationFailure) {
          // No attempt will resume this part: do not leave it behind.
          if (err.nonRetryable) await rm(partPath, { force: true });
          throw err;
        }
        // Network error before or during the transfer: keep the .part so the next attempt resumes.
        throw failed(`Download from ${source.host} interrupted: ${describe(err)}`, true);
      } finally {
        clearTimeout(idleTimer);
        progress.stop();
        cancelled.removeEventListener('abort', onCancel);
      }
    },
  };
}

/** Bytes that may wait in memory for the disk while a write is under way. */
const WRITE_BATCH_BYTES = 1024 * 1024;

/**
 * Appends chunks to the file with one write under way at a time; chunks that arrive meanwhile
 * go out together in the next write. The network, the hash and the disk thus work at once
 * (awaiting every 64 KiB write left the transfer idle half the time: `npm run bench -- --only
 * download`), and a trickle is still written at once, so the .part always holds what arrived.
 */
function batchedWriter(fh: FileHandle) {
  let batch: Buffer[] = [];
  let size = 0;
  let inFlight: Promise<void> | undefined;
  let failure: unknown;
  const pump = () => {
    if (inFlight || size === 0 || failure) return;
    const buffers = batch;
    const expected = size;
    batch = [];
    size = 0;
    // Handled at once (a rejection nobody awaits yet would crash the worker), reported by check().
    inFlight = fh
      .writev(buffers)
      .then(
        ({ bytesWritten }) => void (bytesWritten !== expected && (failure ??= new Error(`short write: ${bytesWritten} of ${expected} bytes`))),
        (err: unknown) => void (failure ??= err),
      )
      .then(() => {
        inFlight = undefined;
        pump();
      });
  };
  const check = () => {
    if (failure) throw failure;
  };
  const drain = async () => {
    while (size >= WRITE_BATCH_BYTES && inFlight) await inFlight;
    check();
  };
  return {
    /**
     * Answers a promise only when WRITE_BATCH_BYTES already wait for the disk (backpressure):
     * a promise per 64 KiB chunk costs measurable CPU and GC at hundreds of MB/s.
     */
    write(chunk: Buffer): Promise<void> | undefined {
      check();
      batch.push(chunk);
      size += chunk.byteLength;
      pump();
      return size >= WRITE_BATCH_BYTES && inFlight ? drain() : undefined;
    },
    /** Resolves once every byte given to write() is in the file; rejects with a write's error. */
    async flush(): Promise<void> {
      pump();
      while (inFlight) await inFlight;
      check();
    },
  };
}

/** One GET, connecting only to `addresses` (already vetted); redirects are the caller's. */
function request(url: URL, headers: Record<string, string>, addresses: ResolvedAddress[], signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request({
      protocol: url.protocol,
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers,
      agent: false, // a fresh connection, never a pooled one made before the checks
      lookup: pinnedLookup(addresses),
      signal,
    });
    // Stays attached: after the answer, errors also reach the body stream, which rejects the reader.
    req.on('error', reject);
    req.on('response', (res) => {
      resolve({
        status: res.statusCode ?? 0,
        header: (name) => {
          const v = res.headers[name.toLowerCase()];
          return Array.isArray(v) ? v.join(', ') : v;
        },
        body: res,
        discard: () => {
          res.destroy();
          req.destroy();
        },
      });
    });
    req.end();
  });
}

/**
 * Heartbeats during the transfer: every `everyMs` (stalled or not, so a cancel still arrives)
 * and every HEARTBEAT_EVERY_BYTES of progress, but neither at the start nor at the end. The
 * SDK sends a heartbeat's first call at once, and each one it sends is a write on the
 * Temporal server; one at the start or the end says nothing (the heartbeat timeout counts
 * from the start, the result carries the bytes). So a download done within `everyMs` costs no
 * heartbeat at all (npm run bench: orchestration).
 */
function heartbeater(ctx: Context, everyMs: number) {
  let lastAt = Date.now();
  let lastBytes = 0;
  let latest = 0;
  const send = (bytesDone: number) => {
    lastAt = Date.now();
    lastBytes = bytesDone;
    ctx.heartbeat({ bytesDone } satisfies DownloadProgress);
  };
  const timer = setInterval(() => send(latest), everyMs);
  return {
    report(bytesDone: number): void {
      latest = bytesDone;
      if (Date.now() - lastAt < everyMs && bytesDone - lastBytes < HEARTBEAT_EVERY_BYTES) return;
      send(bytesDone);
    },
    stop: () => clearInterval(timer),
  };
}

function statusFailure(res: Reply, host: string): ApplicationFailure {
  res.discard();
  const s = res.status;
  const message = `Download from ${host} answered HTTP ${s}`;
  if (s >= 500 || s === 408 || s === 429) return failed(message, true, parseRetryAfter(res.header('retry-after') ?? null, new Date()));
  return failed(message, false);
}

function contentLength(res: Reply): number | undefined {
  const v = res.header('content-length');
  return v && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

function contentRange(res: Reply): { start: number; total: number | undefined } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(res.header('content-range')?.trim() ?? '');
  if (!m) return undefined;
  return { start: Number(m[1]), total: m[3] === '*' ? undefined : Number(m[3]) };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Header values in messages: short and printable. */
function clip(v: string): string {
  const printable = v.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 80 ? `${printable.slice(0, 80)}…` : printable;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
