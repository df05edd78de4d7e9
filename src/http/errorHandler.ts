// One place that turns errors into answers: 4xx say what was wrong (naming the field),
// 5xx hide internals and are logged with the request's context.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HttpError, HttpErrors } from '../errors.js';
import { ValidationError } from '../generationRequest.js';
import { isTemporalUnavailable } from '../temporal/unavailable.js';

type Issue = { path: string; message: string };

function send(reply: FastifyReply, status: number, code: string, message: string, issues?: Issue[]) {
  return reply.code(status).send({ error: { code, message, ...(issues ? { issues } : {}) } });
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err instanceof HttpError) return send(reply, err.statusCode, err.code, err.message);
  if (err instanceof ValidationError) return send(reply, 400, 'VALIDATION_FAILED', err.message, err.issues);
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext ?? 'body';
    const issues = err.validation.map((v) => ({
      path: v.instancePath ? v.instancePath.replace(/^\//, '').replaceAll('/', '.') : where,
      message: v.message ?? 'is invalid',
    }));
    return send(reply, 400, 'VALIDATION_FAILED', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
  }
  if (isTemporalUnavailable(err)) {
    req.log.warn({ err: err.message }, 'Temporal unavailable');
    return send(reply, 503, 'TEMPORAL_UNAVAILABLE', HttpErrors.TEMPORAL_UNAVAILABLE.message);
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) return send(reply, status, err.code ?? 'BAD_REQUEST', err.message);
  req.log.error({ err }, 'Unhandled error');
  return send(reply, 500, 'INTERNAL', HttpErrors.INTERNAL.message);
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply) {
  return send(reply, 404, 'ROUTE_NOT_FOUND', `No route ${req.method} ${req.url.split('?')[0]}`);
}
