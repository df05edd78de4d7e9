// The Kling answer envelope and the HTTP status that goes with each Kling error code.
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';

export interface KlingEnvelope<T> {
  code: number;
  message: string;
  request_id: string;
  data: T | null;
}

export function envelope<T>(code: number, message: string, data: T | null): KlingEnvelope<T> {
  return { code, message, request_id: randomUUID(), data };
}

export function sendSuccess<T>(reply: FastifyReply, data: T): FastifyReply {
  return reply.code(200).send(envelope(0, 'SUCCEED', data));
}

export function sendKlingError(reply: FastifyReply, status: number, code: number, message?: string): FastifyReply {
  return reply.code(status).send(envelope(code, message ?? defaultMessage(code), null));
}

// Status + wording per providers.md; used when a control-API error entry omits one of them.
const CODES: Record<number, [status: number, message: string]> = {
  1000: [401, 'Authorization failed'],
  1001: [401, 'Authorization is empty'],
  1002: [401, 'Authorization is invalid'],
  1003: [401, 'Authorization is not yet valid'],
  1004: [401, 'Authorization has expired'],
  1100: [429, 'Account exception'],
  1101: [429, 'Account in arrears'],
  1102: [429, 'Resource pack depleted or expired'],
  1103: [403, 'Unauthorized access to requested resource'],
  1200: [400, 'Invalid request parameters'],
  1201: [400, 'Invalid parameter key or value'],
  1202: [404, 'Invalid request method'],
  1203: [404, 'Requested resource does not exist'],
  1300: [400, 'Trigger platform strategy'],
  1301: [400, 'Trigger the content security policy of the platform'],
  1302: [429, 'Request rate exceeds platform limit'],
  1303: [429, 'Concurrency or QPS exceeds prepaid resource package limit'],
  1304: [429, 'Trigger the IP whitelisting policy'],
  5000: [500, 'Server internal error'],
  5001: [503, 'Server temporarily unavailable, usually due to maintenance'],
  5002: [504, 'Server internal timeout, usually due to a backlog'],
};

export function defaultMessage(code: number): string {
  return CODES[code]?.[1] ?? `Error ${code}`;
}

export function statusForCode(code: number): number {
  return CODES[code]?.[0] ?? (code >= 5000 ? 500 : 400);
}

export function codeForStatus(status: number): number {
  const byStatus: Record<number, number> = { 400: 1200, 401: 1000, 403: 1103, 404: 1203, 429: 1302, 500: 5000, 503: 5001, 504: 5002 };
  return byStatus[status] ?? (status >= 500 ? 5000 : 1200);
}
