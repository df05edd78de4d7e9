// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP date.

// A receiver asking for more than a day is misconfigured; our own schedule takes over.
const MAX_DELAY_MS = 24 * 3_600_000;

/** Milliseconds to wait, or undefined when the header is absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number;
  if (/^\d+$/.test(v)) ms = Number(v) * 1000;
  else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - now.getTime();
  }
  return Math.min(Math.max(ms, 0), MAX_DELAY_MS);
}
