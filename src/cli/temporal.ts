// The CLI's Temporal connection: which address and namespace (flags over environment),
// a fast reachability check, and one clear line when Temporal cannot be reached.
import net from 'node:net';
import { Client, Connection, isGrpcServiceError } from '@temporalio/client';
import { NamespaceNotFoundError } from '@temporalio/common';
import type { Config } from '../config.js';
import { CliError, str, type Values } from './args.js';

export const DEFAULT_ADDRESS = 'localhost:7233';

export interface Target {
  address: string;
  namespace: string;
}

export function targetOf(config: Config, values: Values): Target {
  return { address: str(values, 'address') ?? config.temporal.address ?? DEFAULT_ADDRESS, namespace: str(values, 'namespace') ?? config.temporal.namespace };
}

/** Temporal is not there (exit 1): the message is the one line the user sees. */
export class TemporalUnreachableError extends CliError {
  override name = 'TemporalUnreachableError';
  constructor(address: string, reason: string) {
    super(`Cannot reach Temporal at ${address} (${reason}). Start it with \`npm start\`, or point TEMPORAL_ADDRESS (or --address) at your Temporal server.`);
  }
}

/** host and port of "host:port", "[::1]:7233" or "dns:///host:port"; undefined when it is something else. */
export function hostPort(address: string): { host: string; port: number } | undefined {
  const m = /^(?:dns:\/\/\/)?(?:\[([^\]]+)\]|([^:/\s]+))(?::(\d{1,5}))?$/.exec(address.trim());
  if (!m) return undefined;
  return { host: m[1] ?? m[2]!, port: m[3] ? Number(m[3]) : 7233 };
}

/** A plain TCP connect: a refused port or unknown host fails in milliseconds instead of the gRPC deadline. */
function probe(address: string, timeoutMs = 3_000): Promise<void> {
  const hp = hostPort(address);
  if (!hp) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hp.host, port: hp.port });
    const done = (err?: Error) => {
      socket.destroy();
      if (err) reject(err);
      else resolve();
    };
    socket.setTimeout(timeoutMs, () => done(new Error(`no answer within ${timeoutMs / 1000} s`)));
    socket.once('connect', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(new Error(err.code === 'ENOTFOUND' ? `unknown host ${hp.host}` : (err.code ?? err.message))));
  });
}

export async function connect(target: Target): Promise<{ client: Client; close(): Promise<void> }> {
  const fail = (err: unknown): never => {
    throw new TemporalUnreachableError(target.address, firstLine((err as Error).message ?? String(err)));
  };
  await probe(target.address).catch(fail);
  const connection = await Connection.connect({ address: target.address, connectTimeout: 5_000 }).catch(fail);
  return { client: new Client({ connection, namespace: target.namespace }), close: () => connection.close() };
}

/** Checks that Temporal answers, for commands that hand the address to a child process. */
export async function ensureReachable(target: Target): Promise<void> {
  const { close } = await connect(target);
  await close();
}

/** Runs `fn` with a client; errors that mean "Temporal is gone" or "no such namespace" become one clear line. */
export async function withClient<T>(target: Target, fn: (client: Client) => Promise<T>): Promise<T> {
  const { client, close } = await connect(target);
  try {
    return await fn(client);
  } catch (err) {
    throw friendly(err, target);
  } finally {
    await close().catch(() => undefined);
  }
}

export function friendly(err: unknown, target: Target): unknown {
  if (err instanceof NamespaceNotFoundError || (isGrpcServiceError(err) && err.code === 5 && /namespace/i.test(err.details))) {
    return new CliError(`Namespace "${target.namespace}" does not exist on Temporal at ${target.address}. Use --namespace or TEMPORAL_NAMESPACE.`);
  }
  if (isGrpcServiceError(err) && err.code === 14) return new TemporalUnreachableError(target.address, firstLine(err.details || err.message));
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  if (isGrpcServiceError(cause) && cause.code === 14) return new TemporalUnreachableError(target.address, firstLine(cause.details || cause.message));
  return err;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim().slice(0, 200);
}
