// The faults the chaos suite injects, one scenario each, plus all of them together.
// `sim` is the simulator config for the scenario's tasks; `during` acts while they run.
import type { ChaosContext } from './context.js';

export interface Scenario {
  name: string;
  fault: string;
  sim: Record<string, unknown>;
  /** Extra fields for POST /generations. */
  request?: Record<string, unknown>;
  /** Start generations through the Temporal client (the HTTP server is down). */
  viaClient?: boolean;
  before?: (ctx: ChaosContext) => Promise<void>;
  during?: (ctx: ChaosContext) => Promise<void>;
  /** Time this scenario may take before unfinished generations count as lost. */
  deadlineMs: number;
}

const MB = 1024 * 1024;
const repeat = <T>(n: number, item: T): T[] => Array.from({ length: n }, () => item);

export const SCENARIOS: Scenario[] = [
  { name: 'callbacks-dropped', fault: 'every callback dropped: polling must finish', sim: { callback: 'drop' }, deadlineMs: 60_000 },
  { name: 'callbacks-duplicated', fault: 'every callback sent ×5', sim: { callback: 'duplicate', callbackAttempts: 5 }, deadlineMs: 60_000 },
  { name: 'callbacks-reordered', fault: 'processing callback after the terminal one', sim: { callback: 'reorder' }, deadlineMs: 60_000 },
  { name: 'callbacks-delayed', fault: 'callbacks delayed past the callback timeout', sim: { callback: 'delay', callbackDelayMs: 5_000 }, deadlineMs: 60_000 },
  {
    name: 'provider-errors',
    fault: '429/1303 and 5xx on submit and on poll',
    sim: {
      callback: 'drop',
      submitErrors: repeat(6, [{ status: 429, code: 1303 }, { status: 500, code: 5000 }, { status: 200, code: 1303 }]).flat(),
      pollErrors: repeat(6, [{ status: 503, code: 5001 }, { status: 429, code: 1302 }]).flat(),
    },
    deadlineMs: 90_000,
  },
  {
    name: 'submit-timeout-after-accept',
    fault: 'the provider creates the task, the answer never arrives',
    sim: { submitErrors: repeat(20, { afterCreate: true, delayMs: 4_000 }) },
    deadlineMs: 60_000,
  },
  { name: 'download-cut', fault: 'every first download cut at 50 %', sim: { videoBytes: 4 * MB, downloadFailAfterBytes: 2 * MB }, deadlineMs: 60_000 },
  {
    name: 'worker-killed-mid-download',
    fault: 'worker SIGKILLed while downloading, restarted',
    sim: { processingMs: 500, videoBytes: 8 * MB, videoBytesPerSecond: 2 * MB },
    during: async (ctx) => {
      await ctx.waitForDownloadInProgress();
      await ctx.worker.kill('SIGKILL');
      await ctx.worker.start();
    },
    deadlineMs: 120_000,
  },
  {
    name: 'temporal-restarted',
    fault: 'Temporal dev server SIGKILLed mid-flight, restarted on its SQLite file',
    sim: { processingMs: 3_000 },
    during: async (ctx) => {
      await ctx.sleep(1_000);
      await ctx.restartTemporal();
    },
    deadlineMs: 120_000,
  },
  {
    name: 'webhook-server-down',
    fault: 'the HTTP server is down for the whole generation',
    viaClient: true,
    sim: { processingMs: 1_000 },
    before: (ctx) => ctx.server.kill('SIGKILL'),
    during: async (ctx) => {
      await ctx.waitUntilAllTerminal();
      await ctx.server.start();
    },
    deadlineMs: 90_000,
  },
  {
    name: 'notify-receiver-down',
    fault: 'the notification receiver answers 503, then comes back',
    sim: {},
    during: async (ctx) => {
      ctx.receiver.setDown(true);
      await ctx.sleep(4_000);
      ctx.receiver.setDown(false);
    },
    deadlineMs: 90_000,
  },
  {
    name: 'all-together',
    fault: 'duplicated + delayed callbacks, submit and poll errors, cut downloads, a worker kill, receiver down',
    sim: {
      callback: 'duplicate',
      callbackAttempts: 5,
      submitErrors: [{ status: 429, code: 1303 }, { afterCreate: true, delayMs: 4_000 }, { status: 500, code: 5000 }],
      pollErrors: [{ status: 503, code: 5001 }],
      videoBytes: 6 * MB,
      downloadFailAfterBytes: 3 * MB,
      videoBytesPerSecond: 3 * MB,
    },
    during: async (ctx) => {
      ctx.receiver.setDown(true);
      await ctx.waitForDownloadInProgress();
      await ctx.worker.kill('SIGKILL');
      await ctx.worker.start();
      ctx.receiver.setDown(false);
    },
    deadlineMs: 240_000,
  },
];

/** The CI-sized variant inside `npm test`: the cheap faults plus a worker kill. */
export const CI_SCENARIOS = ['callbacks-dropped', 'callbacks-duplicated', 'submit-timeout-after-accept', 'download-cut', 'worker-killed-mid-download', 'notify-receiver-down'];
