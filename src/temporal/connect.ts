import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config.js';

/** Separate server/worker processes need an existing Temporal; `npm start` embeds one. */
export function requireTemporalAddress(config: Config): string {
  if (config.temporal.address) return config.temporal.address;
  console.error('TEMPORAL_ADDRESS is not set. Point it at a Temporal server (e.g. localhost:7233), or run `npm start`, which embeds one.');
  process.exit(2);
}

/**
 * A Temporal client on the SDK's native (Rust) connection rather than the pure-JS gRPC one:
 * the HTTP server makes one call per callback, and this connection costs about a quarter less
 * CPU per call (measured with `npm run bench -- --only intake`). Errors are the same gRPC
 * ServiceErrors. The process's Temporal runtime is installed by the first connection: call
 * installRuntime() before, so its logs go to pino.
 */
export async function connectClient(address: string, namespace: string): Promise<{ client: Client; connection: NativeConnection }> {
  const connection = await NativeConnection.connect({ address });
  return { client: new Client({ connection, namespace }), connection };
}
