import type { Config } from '../config.js';

/** Separate server/worker processes need an existing Temporal; `npm start` embeds one. */
export function requireTemporalAddress(config: Config): string {
  if (config.temporal.address) return config.temporal.address;
  console.error('TEMPORAL_ADDRESS is not set. Point it at a Temporal server (e.g. localhost:7233), or run `npm start`, which embeds one.');
  process.exit(2);
}
