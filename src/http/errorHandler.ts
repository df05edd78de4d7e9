// One place that turns errors into answers: 4xx say what was wrong (naming the field),
// 5xx hide internals and are logged with the request's context. Every answer, Fastify's
// own refusals included (413, 415, bad JSON, 429 from the rate limiter), has the shape
// { error: { code, message, issues? } } with a code from the catalogue in src/errors.ts.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HttpError, HttpErrors, type HttpErrorCode } from '../errors.js';
import { ValidationError } from '../generationRequest.js';
import { isTemporalUnavailable } from '../temporal/unavailable.js';

type Issue = { path: string; message: string };

/** Validation messages may quote the input: answers stay small whatever was sent. */
const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
function validationFailed(reply: FastifyReply, issues: Issue[]) {
  const kept = issues.slice(0, 20).map((i) => ({ path: clip(i.path, 100), message: clip(i.message) }));
  return send(reply, 400, 'VALIDATION_FAILED', clip(kept.map((i) => `${i.path}: ${i.message}`).join('; '), 1000), kept);
}

function send(reply: FastifyReply, status: number, code: HttpErrorCode, message: string, issues?: Issue[]) {
  return reply.code(status).send({ error: { code, message, ...(issues ? { issues } : {}) } });
}

/** Fastify's own 4xx errors, by their code, then by status: catalogue codes, not FST_… names. */
const FASTIFY_CODES: Record<string, HttpErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
};
const CODES_BY_STATUS: Partial<Record<number, HttpErrorCode>> = {
  404: 'ROUTE_NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

function clientErrorAnswer(err: FastifyError, req: FastifyRequest, status: number): { code: HttpErrorCode; message: string } {
  // JSON.parse / secure-json-parse failures arrive as a SyntaxError with statusCode 400.
  const code = FASTIFY_CODES[err.code] ?? (err instanceof SyntaxError ? 'INVALID_JSON' : CODES_BY_STATUS[status]) ?? 'BAD_REQUEST';
  switch (code) {
    case 'PAYLOAD_TOO_LARGE':
      return { code, message: `Request body is larger than this route's limit of ${req.routeOptions.bodyLimit ?? 'its'} bytes` };
    case 'UNSUPPORTED_MEDIA_TYPE':
      return { code, message: HttpErrors.UNSUPPORTED_MEDIA_TYPE.message };
    case 'INVALID_JSON':
      return { code, message: (err instanceof SyntaxError ? `Body is not valid JSON: ${err.message}` : err.message).slice(0, 300) };
    default:
      return { code, message: (err.message || HttpErrors[code].message).slice(0, 300) };
  }
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) return send(reply, err.statusCode, err.code, clip(err.message, 1000));
  if (err instanceof ValidationError) return validationFailed(reply, err.issues);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const issues = err.validation.map((v) => ({
      path: v.instancePath ? v.instancePath.replace(/^\//, '').replaceAll('/', '.') : where,
      message: v.message ?? 'is invalid',
    }));
    return validationFailed(reply, issues);
  }
  if (isTemporalUnavailable(err)) {
    req.log.warn({ err: err.message }, 'Temporal unavailable');
    return send(reply, 503, 'TEMPORAL_UNAVAILABLE', HttpErrors.TEMPORAL_UNAVAILABLE.message);
  }
  const status = typeof err?.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    const { code, message } = clientErrorAnswer(err, req, status);
    return send(reply, status, code, message);
  }
  req.log.error({ err }, 'Unhandled error');
  return send(reply, 500, 'INTERNAL', HttpErrors.INTERNAL.message);
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  const path = req.url.split('?')[0] ?? '';
  return send(reply, 404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${path.length > 200 ? `${path.slice(0, 200)}…` : path}`);
}

/** A raw answer on a socket Node's HTTP parser gave up on (or a CONNECT): same shape, then closed. */
export function rawErrorAnswer(socket: Pick<Socket, 'writable' | 'write'>, status: number, code: HttpErrorCode, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
}

/** Requests Node cannot parse (bad request line, headers, chunking; header overflow; timeout). */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // An answer already under way on this socket (a 401 sent before a malformed body was read,
  // say) must not be followed by a second one: close the connection, as Node's own handler does.
  if ((socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    socket.destroy();
    return;
  }
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') rawErrorAnswer(socket, 408, 'REQUEST_TIMEOUT', HttpErrors.REQUEST_TIMEOUT.message);
  else if (err.code === 'HPE_HEADER_OVERFLOW') rawErrorAnswer(socket, 431, 'HEADERS_TOO_LARGE', HttpErrors.HEADERS_TOO_LARGE.message);
  else rawErrorAnswer(socket, 400, 'BAD_REQUEST', 'Malformed HTTP request');
  socket.destroy();
}
