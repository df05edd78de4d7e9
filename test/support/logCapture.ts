// Logs written to a stream the test reads: what a logger (Fastify's options or pino) wrote,
// one entry per write, and a wait for a line that may not have come yet.
import { Writable } from 'node:stream';

export interface LogCapture {
  /** Every write, as written (a pino line ends with "\n"). */
  readonly lines: string[];
  /** Give this to the logger. */
  readonly stream: Writable;
  /** Adds a line from another source (the Temporal runtime, a stack's progress). */
  push(line: string): void;
  /** Resolves once a line from index `since` on matches. */
  logged(what: (line: string) => boolean, since?: number): Promise<void>;
}

export function captureLogs(): LogCapture {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  const push = (line: string) => {
    lines.push(line);
    for (const wake of waiters) wake();
  };
  return {
    lines,
    push,
    stream: new Writable({
      write(chunk, _enc, done) {
        push(String(chunk));
        done();
      },
    }),
    logged: (what, since = 0) =>
      new Promise<void>((resolve) => {
        const wake = () => {
          if (!lines.slice(since).some(what)) return;
          waiters.delete(wake);
          resolve();
        };
        waiters.add(wake);
        wake();
      }),
  };
}
