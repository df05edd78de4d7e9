// One log line per request, written when its answer is sent: method, path (token redacted),
// status and response time, plus what the route adds (generation id, task id, outcome).
// Fastify's default is two lines (incoming + completed) and a route's own line makes three;
// on the callback path that was the largest cost after the Temporal call itself (npm run bench).
// "incoming request" is still there at debug level, for following a request that hangs.
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The message and fields of this request's log line; set with describeRequest(). */
    logLine: { msg: string; fields: Record<string, unknown> } | null;
  }
}

export function logOneLinePerRequest(app: FastifyInstance): void {
  app.decorateRequest('logLine', null);
  app.addHook('onRequest', (req, _reply, done) => {
    req.log.debug({ req }, 'incoming request');
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const line = req.logLine;
    req.log.info({ req, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 100) / 100, ...line?.fields }, line?.msg ?? 'request completed');
    done();
  });
}

/** What a route says about its request, logged with the request's one line when it ends. */
export function describeRequest(req: FastifyRequest, msg: string, fields: Record<string, unknown>): void {
  req.logLine = { msg, fields };
}
