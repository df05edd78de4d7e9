import { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config, GrpcCompression } from '../config.js';

/** Separate server/worker processes need an existing Temporal; `npm start` embeds one. */
export function requireTemporalAddress(config: Config): string {
  if (config.temporal.address) return config.temporal.address;
  console.error('TEMPORAL_ADDRESS is not set. Point it at a Temporal server (e.g. localhost:7233), or run `npm start`, which embeds one.');
  process.exit(2);
}

/**
 * The SDK's native (Rust) connection, which the worker needs and the client uses too.
 *
 * gRPC compression is off unless TEMPORAL_GRPC_COMPRESSION=gzip. The SDK gzips every request
 * by default, but klingflow's requests are small (a callback's signal is about 1 KB; videos
 * go to storage, never through Temporal), so gzip saves next to no bytes and costs CPU on
 * both ends: about a tenth of the HTTP server's CPU per callback (npm run bench: intake).
 */
export function connectNative(address: string, compression: GrpcCompression): Promise<NativeConnection> {
  return NativeConnection.connect({ address, grpcCompression: { codec: compression } });
}

/**
 * A Temporal client on the native connection rather than the pure-JS gRPC one: the HTTP
 * server makes one call per callback, and this connection costs about a quarter less CPU per
 * call (measured with `npm run bench -- --only intake`). Errors are the same gRPC
 * ServiceErrors. The process's Temporal runtime is installed by the first connection: call
 * installRuntime() before, so its logs go to pino.
 */
export async function connectClient(address: string, config: Pick<Config['temporal'], 'namespace' | 'grpcCompression'>): Promise<{ client: Client; connection: NativeConnection }> {
  const connection = await connectNative(address, config.grpcCompression);
  return { client: new Client({ connection, namespace: config.namespace }), connection };
}
