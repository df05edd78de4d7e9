// One side of the download benchmark, alone in its process so its RSS is its own.
//   --mode pipe      fetch() body piped to a file (the baseline)
//   --mode activity  the real downloadVideo activity, in MockActivityEnvironment
//   --mode resume    downloadVideo cut by the server, then its retry resuming the .part
// Prints one line: RESULT {json}.
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createDownloadActivities, type DownloadProgress } from '../../activities/download.js';
import type { DownloadedVideo } from '../../workflows/types.js';

const { values } = parseArgs({ options: { mode: { type: 'string' }, url: { type: 'string' }, dir: { type: 'string' }, host: { type: 'string' } } });
const { mode, url, dir, host } = values;
if (!mode || !url || !dir || !host) throw new Error('--mode, --url, --dir and --host are required');

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const activities = createDownloadActivities({ download: { dir, maxBytes: 8 * 2 ** 30, allowedHosts: [host], allowPrivateAddresses: [host] } });

// Everything is loaded: from here on, growth is what the transfer costs.
const rssBefore = process.memoryUsage.rss();
let rssPeak = rssBefore;
const sampler = setInterval(() => {
  rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
}, 5);
const began = performance.now();
const cpuBefore = process.cpuUsage();
let result: Record<string, unknown>;

if (mode === 'pipe') {
  const file = path.join(dir, 'pipe.mp4');
  const res = await fetch(url);
  if (!res.ok || !res.body) throw new Error(`GET answered ${res.status}`);
  await pipeline(Readable.fromWeb(res.body as ReadableStream<Uint8Array>), createWriteStream(file));
  result = { bytes: (await stat(file)).size };
} else if (mode === 'activity') {
  const video = await new MockActivityEnvironment({}, { logger: silent }).run(activities.downloadVideo, { generationId: 'bench-activity', url }) as DownloadedVideo;
  result = { bytes: video.bytes, sha256: video.sha256 };
} else if (mode === 'resume') {
  let last: DownloadProgress | undefined;
  const first = new MockActivityEnvironment({ attempt: 1 }, { logger: silent });
  first.on('heartbeat', (d: DownloadProgress) => void (last = d));
  const failure = await first.run(activities.downloadVideo, { generationId: 'bench-resume', url }).then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!failure) throw new Error('the first attempt was meant to be cut, and finished');
  const onDisk = (await stat(path.join(dir, 'bench-resume.mp4.part'))).size;
  const retry = new MockActivityEnvironment({ attempt: 2, heartbeatDetails: last }, { logger: silent });
  const video = await retry.run(activities.downloadVideo, { generationId: 'bench-resume', url }) as DownloadedVideo;
  result = { bytes: video.bytes, sha256: video.sha256, bytesOnDiskAfterCut: onDisk, firstAttemptError: String(failure).slice(0, 200) };
} else {
  throw new Error(`unknown --mode ${mode}`);
}

const ms = performance.now() - began;
const cpu = process.cpuUsage(cpuBefore);
clearInterval(sampler);
rssPeak = Math.max(rssPeak, process.memoryUsage.rss());
console.log(`RESULT ${JSON.stringify({ mode, ms, cpuMs: (cpu.user + cpu.system) / 1000, rssBefore, rssPeak, ...result })}`);
