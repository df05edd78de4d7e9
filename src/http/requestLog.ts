// One log line per request, written when its answer is sent: method, path (token redacted),
// status and response time, plus what the route adds (generation id, task id, outcome).
// Fastify's default is two lines (incoming + completed) and a route's own line made three;
// on the callback path that was the largest cost after the Temporal call itself (npm run bench).
// "incoming request" is still there at debug level, for following a request that hangs.
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The message and fields of this request's log line; set with describeRequest(). */
    logLine?: { msg: string; fields: Record<string, unknown> };
  }
}

export class OneLinePerRequest extends LogController {
  override incomingRequest(req: FastifyRequest): void {
    req.log.debug({ req }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const line = req.logLine;
    const fields = { req, statusCode: reply.statusCode, responseTime: Math.round(reply.elapsedTime * 100) / 100, ...line?.fields };
    if (error) reply.log.error({ ...fields, err: error }, 'request errored');
    else reply.log.info(fields, line?.msg ?? 'request completed');
  }
}

/** What a route says about its request, logged with the request's one line when it ends. */
export function describeRequest(req: FastifyRequest, msg: string, fields: Record<string, unknown>): void {
  req.logLine = { msg, fields };
}
