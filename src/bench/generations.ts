// Starting and watching many generations at once, the way the benchmarks need it.
import type { Client } from '@temporalio/client';
import { DEFAULTS, type GenerationDefaults } from '../generationRequest.js';
import { getGeneration, startGeneration } from '../temporal/generations.js';
import type { GenerationState, GenerationStatus } from '../../workflows/types.js';
import { mapLimit, until } from './benchmark.js';

export async function startGenerations(client: Client, n: number, opts: { label: string; defaults?: Partial<GenerationDefaults>; concurrency?: number; signal: AbortSignal }): Promise<string[]> {
  const defaults = { ...DEFAULTS, ...opts.defaults };
  const indexes = Array.from({ length: n }, (_, i) => i);
  return mapLimit(indexes, opts.concurrency ?? 20, async (i) => (await startGeneration(client, { prompt: `bench ${opts.label} #${i}` }, { defaults })).id, opts.signal);
}

/** Waits until every generation's state passes `accept`; answers their states. */
export async function waitForStates(client: Client, ids: string[], accept: (s: GenerationState) => boolean, what: string, timeoutMs: number, signal: AbortSignal): Promise<Map<string, GenerationState>> {
  const states = new Map<string, GenerationState>();
  await until(
    async () => {
      const pending = ids.filter((id) => !states.has(id));
      await mapLimit(pending, 10, async (id) => {
        const s = await getGeneration(client, id);
        if (s && accept(s)) states.set(id, s);
      });
      return states.size === ids.length;
    },
    `${ids.length - states.size} of ${ids.length} generations to be ${what}`,
    timeoutMs,
    signal,
    250,
  );
  return states;
}

export const hasStatus = (...statuses: GenerationStatus[]) => (s: GenerationState) => statuses.includes(s.status);

/** Visibility count; the query language of the Temporal server (SQLite in the dev server). */
export async function countWorkflows(client: Client, query: string): Promise<number> {
  return (await client.workflow.count(query)).count;
}

/** Leaves nothing running behind a benchmark. */
export async function terminateAll(client: Client, ids: string[]): Promise<void> {
  await mapLimit(ids, 20, (id) => client.workflow.getHandle(id).terminate('benchmark done').catch(() => undefined));
}
