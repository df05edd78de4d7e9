/** Masks secrets that travel in URLs (callback tokens) before anything is logged. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|secret|key)=)[^&#]*/gi, '$1[redacted]');
}
