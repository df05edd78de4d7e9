// Limits of the HTTP edge, in one place (routes import them; app.ts re-exports them).

/** Per-route body limits, in bytes: every route states its own, deliberately. */
export const BODY_LIMITS = {
  /** POST /generations: prompts are at most 2,500 characters; 64 KiB is plenty. */
  generations: 64 * 1024,
  /** Provider callbacks and gateway deliveries: task objects with a few video URLs. */
  callbacks: 256 * 1024,
  /** Routes that take no body (cancel; GET bodies are never read): room for a `{}` at most. */
  none: 1024,
} as const;

export interface RateLimit {
  /** Writes (POST /generations, POST /generations/:id/cancel) per client IP, route and window. */
  max: number;
  timeWindowMs: number;
  /** Reads (GET /generations/:id) per client IP and window: clients poll it. Default 10 × max. */
  readMax?: number;
}

/**
 * The REST API's default limit: 120 writes and 1,200 reads (status polls, 20/s) a minute
 * per client IP. Provider callbacks and health routes are never limited.
 */
export const DEFAULT_RATE_LIMIT: Required<RateLimit> = { max: 120, timeWindowMs: 60_000, readMax: 1200 };
