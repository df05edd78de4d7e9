// One pino logger for the whole process: Fastify logs through it, and so does the Temporal
// runtime (workflow, activity and worker logs). Worker lines carry the generation id
// (= workflow id); callback lines carry generationId and taskId from the route.
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { pino, type Logger } from 'pino';
import { CENSOR, censorSecrets, SECRET_KEYS } from './secretFields.js';

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'klingflow' },
      // Last line of defence: secret-looking fields never leave the process. Each line goes
      // through censorSecrets (secretFields.ts); pino's redact, without wildcards, also
      // covers a child logger's bindings, which pino does not pass to formatters.log.
      formatters: { log: censorSecrets },
      redact: { paths: [...SECRET_KEYS], censor: CENSOR },
    },
    // stdout written synchronously, pino's own default. A line is one write(2) of a few
    // microseconds; written asynchronously it is handed to libuv's thread pool, and the hand-off
    // and wake-up cost about ten times the write (npm run bench: intake, server CPU per
    // callback). A line also cannot be lost in a buffer when the process is killed.
    (destination as pino.DestinationStream | undefined) ?? pino.destination({ dest: 1, sync: true }),
  );
}

const LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

/** A Temporal runtime logger that writes to `logger`, with generationId on workflow/activity lines. */
export function temporalLogger(logger: Logger): DefaultLogger {
  const minimum = (logger.level.toUpperCase() in LEVELS ? logger.level.toUpperCase() : 'INFO') as keyof typeof LEVELS;
  return new DefaultLogger(minimum, (entry: LogEntry) => {
    const meta = { ...(entry.meta ?? {}) } as Record<string, unknown>;
    if (typeof meta.workflowId === 'string') meta.generationId = meta.workflowId;
    logger[LEVELS[entry.level]]({ ...meta, source: 'temporal' }, entry.message);
  });
}
