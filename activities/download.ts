// Copies a finished video from the provider's URL into the download folder, before the
// provider's URL expires. Retries resume from the partial file instead of starting over.
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../src/config.js';
import { FailureType } from '../src/errors.js';
import type { DownloadedVideo } from '../workflows/types.js';
import { fsyncDir, hashFileInto, isSafeFileStem, sha256File } from './fileHash.js';
import { isHostAllowed } from './hostAllowlist.js';
import { parseRetryAfter } from './retryAfter.js';

const MAX_REDIRECTS = 5;
const HEARTBEAT_EVERY_MS = 1000;
const HEARTBEAT_EVERY_BYTES = 8 * 1024 * 1024;
const DEFAULT_CONTENT_TYPE = 'video/mp4';

export interface DownloadDeps {
  download: Config['download'];
  fetch?: typeof fetch;
}

export interface DownloadVideoInput {
  generationId: string;
  url: string;
}

/** Heartbeat details. Only a hint for the next attempt: the .part file on disk is the truth. */
export interface DownloadProgress {
  bytesDone: number;
}

const refused = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.downloadRefused);
const tooLarge = (message: string) => ApplicationFailure.nonRetryable(message, FailureType.downloadTooLarge);
const failed = (message: string, retryable: boolean, nextRetryDelay?: number) =>
  ApplicationFailure.create({ message, type: FailureType.downloadFailed, nonRetryable: !retryable, nextRetryDelay });

export function createDownloadActivities(deps: DownloadDeps) {
  const doFetch = deps.fetch ?? globalThis.fetch;
  const { dir, maxBytes, allowedHosts } = deps.download;

  // Provider URLs are signed: messages name the host, never the full URL.
  function assertAllowed(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw refused(`Download refused: scheme "${url.protocol}" is not http(s) (host ${url.host || 'none'})`);
    }
    if (!isHostAllowed(url, allowedHosts)) {
      throw refused(`Download refused: host ${url.host} is not in the download allowlist (DOWNLOAD_ALLOWED_HOSTS)`);
    }
  }

  /** GET that follows redirects itself, so no hop can leave the allowlist. */
  async function get(start: URL, offset: number, signal: AbortSignal): Promise<Response> {
    let url = start;
    for (let hop = 0; ; hop++) {
      assertAllowed(url);
      // identity: Range offsets and Content-Length must count the bytes we write to disk.
      const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'klingflow' };
      if (offset > 0) headers.range = `bytes=${offset}-`;
      const res = await doFetch(url, { headers, redirect: 'manual', signal });
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return res;
      await res.body?.cancel();
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
      const signal = ctx.cancellationSignal;
      if (!isSafeFileStem(generationId)) throw failed(`Download refused: unusable generation id "${generationId}"`, false);
      let source: URL;
      try {
        source = new URL(url);
      } catch {
        throw refused('Download refused: the video URL is not a valid URL');
      }
      assertAllowed(source);

      const finalPath = path.join(dir, `${generationId}.mp4`);
      const partPath = `${finalPath}.part`;
      await mkdir(dir, { recursive: true });

      // An earlier attempt finished and renamed, but its result never reached the workflow.
      if (await isFile(finalPath)) {
        const { sha256, bytes } = await sha256File(finalPath);
        return { path: finalPath, bytes, sha256, contentType: DEFAULT_CONTENT_TYPE };
      }

      const beat = throttledHeartbeat(ctx);
      let hash = createHash('sha256');
      let offset = await sizeOf(partPath);
      if (offset > maxBytes) offset = 0; // a stale oversize part cannot be resumed
      if (offset > 0) {
        const hinted = (ctx.info.heartbeatDetails as Partial<DownloadProgress> | undefined)?.bytesDone;
        ctx.log.info('Resuming download from the partial file', { bytesOnDisk: offset, lastHeartbeat: hinted ?? null });
        await hashFileInto(hash, partPath, offset, beat);
      }

      try {
        let res = await get(source, offset, signal);
        if (offset > 0 && !(res.status === 206 && contentRange(res)?.start === offset)) {
          // 200: the server ignored Range, so take the full body it is sending. 416 or a range
          // we did not ask for: ask again without Range. Errors keep the part for a later attempt.
          if (res.status === 200 || res.status === 206 || res.status === 416) {
            offset = 0;
            hash = createHash('sha256');
          }
          if (res.status === 206 || res.status === 416) {
            await res.body?.cancel();
            res = await get(source, 0, signal);
          }
        }
        if (res.status !== 200 && res.status !== 206) throw await statusFailure(res, source.host);
        if (res.status === 206 && contentRange(res)?.start !== offset) {
          await res.body?.cancel();
          throw failed(`Download from ${source.host}: unexpected Content-Range "${res.headers.get('content-range')}"`, false);
        }

        const length = contentLength(res);
        const total = res.status === 206 ? (contentRange(res)?.total ?? (length === undefined ? undefined : offset + length)) : length;
        if (total !== undefined && total > maxBytes) {
          await res.body?.cancel();
          throw tooLarge(`Video from ${source.host} is ${total} bytes, over the ${maxBytes}-byte cap`);
        }

        let bytes = offset;
        beat(bytes);
        const fh = await open(partPath, offset > 0 ? 'a' : 'w');
        try {
          if (res.body) {
            // One chunk in memory at a time: awaiting each write is the backpressure.
            for await (const chunk of res.body) {
              bytes += chunk.byteLength;
              if (bytes > maxBytes) throw tooLarge(`Video from ${source.host} exceeded the ${maxBytes}-byte cap while streaming`);
              hash.update(chunk);
              await fh.write(chunk);
              beat(bytes);
            }
          }
          await fh.sync();
        } finally {
          await fh.close();
        }
        if (total !== undefined && bytes !== total) {
          throw failed(`Download from ${source.host} ended after ${bytes} of ${total} bytes`, true);
        }

        await rename(partPath, finalPath);
        await fsyncDir(dir);
        beat(bytes, true);
        const contentType = res.headers.get('content-type')?.trim() || DEFAULT_CONTENT_TYPE;
        return { path: finalPath, bytes, sha256: hash.digest('hex'), contentType };
      } catch (err) {
        // Cancellation: rethrow the SDK's reason so the attempt is reported as cancelled.
        if (signal.aborted) throw signal.reason ?? err;
        if (err instanceof ApplicationFailure) {
          if (err.type === FailureType.downloadTooLarge) await rm(partPath, { force: true });
          throw err;
        }
        // Network error or body cut mid-stream: keep the .part so the next attempt resumes.
        throw failed(`Download from ${source.host} interrupted: ${describe(err)}`, true);
      }
    },
  };
}

function throttledHeartbeat(ctx: Context) {
  let lastAt = 0;
  let lastBytes = 0;
  return (bytesDone: number, force = false): void => {
    const now = Date.now();
    if (!force && now - lastAt < HEARTBEAT_EVERY_MS && bytesDone - lastBytes < HEARTBEAT_EVERY_BYTES) return;
    lastAt = now;
    lastBytes = bytesDone;
    ctx.heartbeat({ bytesDone } satisfies DownloadProgress);
  };
}

async function statusFailure(res: Response, host: string): Promise<ApplicationFailure> {
  await res.body?.cancel();
  const s = res.status;
  const message = `Download from ${host} answered HTTP ${s}`;
  if (s >= 500 || s === 408 || s === 429) return failed(message, true, parseRetryAfter(res.headers.get('retry-after'), new Date()));
  return failed(message, false);
}

function contentLength(res: Response): number | undefined {
  const v = res.headers.get('content-length');
  return v && /^\d+$/.test(v.trim()) ? Number(v) : undefined;
}

function contentRange(res: Response): { start: number; total: number | undefined } | undefined {
  const m = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/i.exec(res.headers.get('content-range')?.trim() ?? '');
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

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}
