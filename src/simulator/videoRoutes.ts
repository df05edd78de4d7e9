// GET/HEAD /_sim/videos/<task_id or generation_id>.mp4: the "CDN" half of the simulator (no
// auth, like real result URLs), for Kling tasks and RunBlob generations alike. Written to the
// raw socket so a simulated cut can stop mid-body.
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { parseRange } from './range.js';
import type { SimState } from './state.js';
import { videoChunks, videoLayout } from './video.js';

export function registerVideoRoutes(app: FastifyInstance, state: SimState): void {
  app.route<{ Params: { file: string } }>({
    method: ['GET', 'HEAD'],
    url: '/_sim/videos/:file',
    exposeHeadRoute: false,
    handler: async (request, reply) => {
      // Result URLs exist for finished, successful results only; anything else is not on the CDN.
      const task = state.findVideo(request.params.file.replace(/\.mp4$/, ''));
      if (!task) return reply.code(404).send({ error: 'Not Found' });

      const isGet = request.method === 'GET';
      task.counters.videoRequests++;
      state.stats.videoRequests++;
      const firstGet = isGet && task.counters.videoGets++ === 0;

      const layout = videoLayout(task.snapshot.videoBytes);
      const range = parseRange(request.headers.range, layout.size);
      const headers: Record<string, string | number> = { 'content-type': 'video/mp4', 'accept-ranges': 'bytes' };
      if (range.kind === 'unsatisfiable') {
        return reply.code(416).headers({ ...headers, 'content-range': `bytes */${layout.size}` }).send();
      }
      const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, layout.size - 1];
      headers['content-length'] = end - start + 1;
      if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${layout.size}`;

      reply.hijack();
      reply.raw.writeHead(range.kind === 'partial' ? 206 : 200, headers);
      if (!isGet) return void reply.raw.end();

      // Only the first GET is cut, so a client that resumes (Range) or retries can finish.
      const cutAfter = firstGet ? task.snapshot.downloadFailAfterBytes : undefined;
      const stop = cutAfter === undefined ? end : Math.min(end, start + cutAfter - 1);
      const served = await writeBody(reply.raw, videoChunks(layout, start, stop), task.snapshot.videoBytesPerSecond);
      task.counters.videoBytesServed += served;
      state.stats.videoBytesServed += served;
      if (stop < end) reply.raw.destroy();
      else reply.raw.end();
    },
  });
}

/** Writes with backpressure; resolves with the bytes handed to the socket. */
async function writeBody(res: ServerResponse, chunks: Iterable<Buffer>, bytesPerSecond?: number): Promise<number> {
  let written = 0;
  const began = Date.now();
  for (const chunk of chunks) {
    if (res.destroyed) break;
    // Waiting for each write's flush before the next keeps the count honest and lets a cut
    // destroy the socket only after the promised bytes reached the kernel.
    const ok = await new Promise<boolean>((resolve) => {
      const onClose = () => resolve(false);
      res.once('close', onClose);
      res.write(chunk, (err) => {
        res.off('close', onClose);
        resolve(!err);
      });
    });
    if (!ok) break;
    written += chunk.length;
    if (bytesPerSecond) {
      const ahead = (written / bytesPerSecond) * 1000 - (Date.now() - began);
      if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
    }
  }
  return written;
}
