// 5. Provider calls: Kling API requests per generation, counted by the simulator, on the
// callback path and with every callback lost, against a naive poller asking every 5 s for
// the same generation time. Time runs SCALE× faster than life (the provider takes 120 s, the
// poll interval is 5 s, and so on, all divided by SCALE): the counts do not depend on it.
import type { GenerationDefaults } from '../generationRequest.js';
import type { Benchmark } from './benchmark.js';
import { hasStatus, startGenerations, terminateAll, waitForStates } from './generations.js';
import { figure, naivePollingCalls } from './report.js';

const SCALE = 20;
const PROVIDER_SECONDS = 120;
const NAIVE_INTERVAL_MS = 5_000;
/** klingflow's defaults (src/config.ts), which the callback-lost run keeps but for the timeout. */
const DEFAULTS: GenerationDefaults = { callbackTimeoutMs: 5 * 60_000, deadlineMs: 30 * 60_000, pollIntervalMs: 5_000, maxPollIntervalMs: 60_000 };

interface Variant {
  label: string;
  callback: 'deliver' | 'drop';
  callbackTimeoutMs: number;
}

const VARIANTS: Variant[] = [
  { label: 'callback path', callback: 'deliver', callbackTimeoutMs: DEFAULTS.callbackTimeoutMs },
  { label: 'callbacks lost (timeout 5 min, default)', callback: 'drop', callbackTimeoutMs: DEFAULTS.callbackTimeoutMs },
  { label: 'callbacks lost (timeout 30 s)', callback: 'drop', callbackTimeoutMs: 30_000 },
];

const scaled = (ms: number) => Math.round(ms / SCALE);

export const providerCalls: Benchmark = {
  name: 'provider-calls',
  title: 'Provider calls',
  budgetMs: { full: 5 * 60_000, quick: 3 * 60_000 },
  async run({ env, quick, log, signal }) {
    const n = quick ? 3 : 10;
    const [sim, { client }] = await Promise.all([env.sim(), env.temporal(), env.klingflow()]);
    const naive = naivePollingCalls(PROVIDER_SECONDS * 1000, NAIVE_INTERVAL_MS);
    const figures = [];
    const details: Record<string, unknown> = { scale: SCALE, providerSeconds: PROVIDER_SECONDS, generationsPerVariant: n, naivePollerCalls: naive };
    for (const v of VARIANTS) {
      sim.reset();
      sim.configure({ processingMs: scaled(PROVIDER_SECONDS * 1000), callback: v.callback });
      log(`  ${v.label}: ${n} generations, provider time ${PROVIDER_SECONDS} s (run ${SCALE}× faster)`);
      const defaults = { ...DEFAULTS, callbackTimeoutMs: v.callbackTimeoutMs };
      const ids = await startGenerations(client, n, {
        label: `provider-calls ${v.label}`,
        defaults: { callbackTimeoutMs: scaled(defaults.callbackTimeoutMs), deadlineMs: scaled(defaults.deadlineMs), pollIntervalMs: scaled(defaults.pollIntervalMs), maxPollIntervalMs: scaled(defaults.maxPollIntervalMs) },
        signal,
      });
      try {
        const states = await waitForStates(client, ids, hasStatus('completed', 'failed', 'timed_out', 'cancelled'), 'finished', scaled(defaults.deadlineMs) + 30_000, signal);
        const completed = [...states.values()].filter((s) => s.status === 'completed').length;
        const calls = sim.apiCalls() / n;
        details[v.label] = { callsPerGeneration: calls, completed, requests: { ...sim.state.stats.requests } };
        figures.push(
          figure({
            name: `API calls/generation, ${v.label}`,
            unit: 'calls',
            value: calls,
            baseline: { name: `naive poll every ${NAIVE_INTERVAL_MS / 1000} s, ${PROVIDER_SECONDS} s task`, value: naive },
            goal: v.callback === 'deliver' ? { on: 'value', op: '<=', target: 2 } : undefined,
            note: completed < n ? `${n - completed} of ${n} did not complete` : undefined,
          }),
        );
      } finally {
        await terminateAll(client, ids);
      }
    }
    return { figures, details };
  },
};
