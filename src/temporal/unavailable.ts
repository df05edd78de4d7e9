import { isGrpcServiceError } from '@temporalio/client';

// gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4), or a connection that could not be made.
const TRANSIENT = new Set([4, 14]);

export function isTemporalUnavailable(err: unknown): boolean {
  if (isGrpcServiceError(err)) return TRANSIENT.has(err.code);
  const e = err as { code?: unknown; cause?: unknown; name?: string } | undefined;
  if (e?.name === 'TransportError') return true;
  if (e && typeof e.code === 'number' && TRANSIENT.has(e.code) && 'details' in e) return true;
  return e?.cause !== undefined && e.cause !== err && isTemporalUnavailable(e.cause);
}
