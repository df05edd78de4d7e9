// Follows a generation until it ends, printing each change (a live line on a terminal).
import type { Client } from '@temporalio/client';
import { TERMINAL_GENERATION_STATUSES, type GenerationState } from '../../workflows/types.js';
import { getGeneration } from '../temporal/generations.js';

export async function watchGeneration(client: Client, id: string, opts: { json: boolean; intervalMs?: number }): Promise<GenerationState | null> {
  const started = Date.now();
  let last = '';
  for (;;) {
    const state = await getGeneration(client, id);
    if (!state) return null;
    const line = `${state.status}${state.progress ? ` ${state.progress}%` : ''}`;
    if (line !== last && !opts.json) {
      const elapsed = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
      console.log(`[${elapsed}s] ${id}  ${line}${state.providerTaskId ? `  (Kling task ${state.providerTaskId})` : ''}`);
      last = line;
    }
    if (TERMINAL_GENERATION_STATUSES.includes(state.status)) {
      if (opts.json) console.log(JSON.stringify(state, null, 2));
      else if (state.video) console.log(`\nvideo   ${state.video.uri}\nbytes   ${state.video.bytes}\nsha256  ${state.video.sha256}`);
      else if (state.error) console.log(`\n${state.error.code}: ${state.error.message}`);
      return state;
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
