// `klingflow worker | server | simulator`: run src/worker.ts, src/server.ts or
// src/simulator/main.ts (one implementation of each) as a child process with the flags
// turned into their environment. stdio is inherited; SIGINT/SIGTERM/SIGHUP are forwarded
// and the child's exit code becomes ours.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expectPositionals, HELP, intIn, str, TEMPORAL_FLAGS, TEMPORAL_HELP, type Command, type CommandContext, type Values } from './args.js';
import { ensureReachable, targetOf } from './temporal.js';

export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** tsx's loader as a file URL, so `--import` resolves from the package root, whatever the cwd. */
function tsxLoader(): string {
  const require = createRequire(path.join(PACKAGE_ROOT, 'package.json'));
  return pathToFileURL(path.join(path.dirname(require.resolve('tsx/package.json')), 'dist/loader.mjs')).href;
}

/** Runs `node --import tsx <file>`; resolves with the exit code (128 + n when ended by signal n). */
export function runTs(file: string, env: Record<string, string | undefined>): Promise<number> {
  const child = spawn(process.execPath, ['--import', tsxLoader(), path.join(PACKAGE_ROOT, file)], {
    stdio: 'inherit',
    env: { ...process.env, ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) },
    // Its own process group: a terminal's Ctrl-C reaches the child once (forwarded by us),
    // not twice (which the server and simulator would take as "force quit").
    detached: true,
  });
  const forward = (signal: NodeJS.Signals) => () => void child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const orphanGuard = () => void child.kill('SIGTERM');
  process.on('exit', orphanGuard);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      for (const [s, h] of handlers) process.removeListener(s, h);
      process.removeListener('exit', orphanGuard);
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1));
    });
  });
}

function portOf(values: Values): string | undefined {
  const port = intIn('--port', str(values, 'port'), 0, 65_535);
  return port === undefined ? undefined : String(port);
}

async function temporalEnv(ctx: CommandContext): Promise<Record<string, string>> {
  const target = targetOf(ctx.config, ctx.values);
  await ensureReachable(target); // one clear line now, rather than a stack trace from the child
  return { TEMPORAL_ADDRESS: target.address, TEMPORAL_NAMESPACE: target.namespace };
}

const workerUsage = `Usage: klingflow worker [flags]

Runs a Temporal worker (videoGeneration and its activities). Add replicas to scale;
Ctrl-C (SIGINT) or SIGTERM drains in-flight tasks and stops.

  --task-queue <name>     Task queue to poll (default: TEMPORAL_TASK_QUEUE, else klingflow)
${TEMPORAL_HELP}

Everything else comes from the environment, as for the server (see README, Configuration).`;

export const worker: Command = {
  name: 'worker',
  summary: 'Run a worker (src/worker.ts)',
  usage: workerUsage,
  options: { ...HELP, ...TEMPORAL_FLAGS, 'task-queue': { type: 'string' } },
  async run(ctx) {
    expectPositionals('worker', ctx.positionals, [], workerUsage);
    return runTs('src/worker.ts', { ...(await temporalEnv(ctx)), TEMPORAL_TASK_QUEUE: str(ctx.values, 'task-queue') });
  },
};

const serverUsage = `Usage: klingflow server [flags]

Runs the HTTP server alone (REST API and webhook receivers). Stateless: run as many as
you like behind a load balancer. Workers run separately (klingflow worker).

  --port <n>              Listen port (default: PORT, else 3000)
  --host <addr>           Listen address (default: HOST, else 127.0.0.1)
  --task-queue <name>     Task queue new generations go to (default: TEMPORAL_TASK_QUEUE, else klingflow)
${TEMPORAL_HELP}`;

export const server: Command = {
  name: 'server',
  summary: 'Run the HTTP server (src/server.ts)',
  usage: serverUsage,
  options: { ...HELP, ...TEMPORAL_FLAGS, port: { type: 'string' }, host: { type: 'string' }, 'task-queue': { type: 'string' } },
  async run(ctx) {
    expectPositionals('server', ctx.positionals, [], serverUsage);
    const PORT = portOf(ctx.values);
    return runTs('src/server.ts', { ...(await temporalEnv(ctx)), PORT, HOST: str(ctx.values, 'host'), TEMPORAL_TASK_QUEUE: str(ctx.values, 'task-queue') });
  },
};

const simulatorUsage = `Usage: klingflow simulator [flags]

Runs the Kling (and RunBlob) API simulator, accepting the keys klingflow signs with.
No Temporal needed.

  --port <n>              Listen port (default: SIMULATOR_PORT, else 4010)
  --host <addr>           Listen address (default: HOST, else 127.0.0.1)`;

export const simulator: Command = {
  name: 'simulator',
  summary: 'Run the Kling API simulator (src/simulator/main.ts)',
  usage: simulatorUsage,
  options: { ...HELP, port: { type: 'string' }, host: { type: 'string' } },
  async run(ctx) {
    expectPositionals('simulator', ctx.positionals, [], simulatorUsage);
    return runTs('src/simulator/main.ts', { SIMULATOR_PORT: portOf(ctx.values), HOST: str(ctx.values, 'host') });
  },
};
