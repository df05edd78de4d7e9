// Runs `temporal server start-dev` as a child process: the embedded Temporal for
// `npm start` (SQLite file under .data/, Web UI) and for the tests (in memory, headless).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../workflows/searchAttributes.js';

export interface DevServerOptions {
  cliPath: string;
  /** gRPC port; 0 picks a free one. */
  port?: number;
  /** Web UI port; ignored when headless. */
  uiPort?: number;
  headless?: boolean;
  /** SQLite file for state that survives restarts; in memory when unset. */
  dbFile?: string;
  namespace?: string;
  ip?: string;
  log?: (line: string) => void;
  readyTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The embedded server serves one worker fleet on one host. Measured side by side with the
 * defaults (two dev servers, no-op workflows alternating between them, npm run bench's
 * baseline workflow):
 * - one task-queue partition instead of 4: a task lands where the pollers wait, with no
 *   forwarding between partitions: about 13 % less server CPU per workflow;
 * - eager activities: an activity scheduled by a workflow task goes back to the worker in the
 *   answer to that task's completion, without a trip through matching: about 16 % less again.
 * - search attributes read from the server's cache (refreshed every 60 s), as in any other
 *   Temporal deployment: the CLI's dev server re-reads them from its database on every read,
 *   so that ones created at run time are usable at once. klingflow's are created with the
 *   server (--search-attribute, stored before it serves). With workflows that upsert, about
 *   10 % less server CPU per workflow (34.0 against 30.5 ms, 6 alternating rounds).
 * A user's own cluster (TEMPORAL_ADDRESS) keeps its own dynamic config; these are its keys.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Record<string, boolean | number> = {
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  'system.enableActivityEagerExecution': true,
  'system.forceSearchAttributesCacheRefreshOnRead': false,
};

/**
 * A database file (`npm start`) is written in WAL mode: a commit appends to the log and syncs
 * it once, instead of SQLite's default rollback journal (journal, database and journal
 * deletion, several syncs). `synchronous=full` keeps every commit durable across a power cut,
 * as the default is: a signal acknowledged to a provider is never lost. Measured on this
 * machine, 16 signals in flight: 260–320 against 640–830 signals/s, p50 48–60 against
 * 18–24 ms (`synchronous=normal` would reach ~1,000–1,400/s but may lose the last commits
 * on power loss). An in-memory database has no journal to change.
 */
export const DEV_SERVER_FILE_PRAGMAS: Record<string, string> = { journal_mode: 'wal', synchronous: 'full' };

/** How often a start is retried when a port was taken between being picked and being bound. */
const PORT_RACE_ATTEMPTS = 3;

/** The port a failed start could not bind, when that is why it failed. */
export function portInUse(output: string): number | undefined {
  const match = /listen tcp [^\s]*:(\d+): bind: address already in use/.exec(output);
  return match ? Number(match[1]) : undefined;
}

/**
 * Ports are picked free (ours, and the CLI's own HTTP and metrics ports) and bound a moment
 * later, so a process starting at the same time (parallel tests, another dev server) can
 * take one in between. The dev server then exits; it is started again with fresh ports.
 * A port the caller chose is the caller's to free: that failure is not retried.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchDevServer(opts);
    } catch (err) {
      const port = err instanceof DevServerStartError ? portInUse(err.output) : undefined;
      const chosen = port !== undefined && (port === opts.port || port === opts.uiPort);
      if (port === undefined || chosen || attempt >= PORT_RACE_ATTEMPTS) throw err;
      opts.log?.(`Temporal dev server: port ${port} was taken while it started; starting it again with fresh ports`);
    }
  }
}

class DevServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(`${message}\n${output.slice(-3000)}`);
  }
}

async function launchDevServer(opts: DevServerOptions): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port || (await freePort(ip));
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--ip', ip, '--port', String(port), '--namespace', namespace, '--log-level', 'warn'];
  for (const key of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${key.name}=Keyword`);
  if (opts.dbFile) {
    await mkdir(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const [pragma, value] of Object.entries(DEV_SERVER_FILE_PRAGMAS)) args.push('--sqlite-pragma', `${pragma}=${value}`);
  }
  if (opts.headless) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? port + 1000));
  for (const [key, value] of Object.entries(DEV_SERVER_DYNAMIC_CONFIG)) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);

  // Go's GC at its default (GOGC=100) is about a tenth of the dev server's CPU per signal under
  // callback load (npm run bench); collecting a quarter as often trades memory it has to spare,
  // capped by a soft limit so a big backlog still cannot grow it without bound. A user's own
  // GOGC / GOMEMLIMIT win.
  const env = { GOGC: '400', GOMEMLIMIT: '1GiB', ...process.env };
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const output: string[] = [];
  // The CLI prints `Server: <host>:<port>` once its services are up. Until then, an answer on
  // the port may come from another process that took it first.
  let started = false;
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output.push(text);
    if (output.length > 200) output.shift();
    started ||= /^Server:\s/m.test(output.join(''));
    opts.log?.(text.trimEnd());
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code;
      resolve();
    }),
  );

  const address = `${ip}:${port}`;
  // Why the server is not ready yet, or null once it is: the CLI has printed its banner and
  // the namespace answers.
  const notReady = async (): Promise<string | null> => {
    if (!started) return 'the CLI has not printed its "Server:" line yet';
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return null;
      } finally {
        await connection.close();
      }
    } catch (err) {
      return String(err);
    }
  };
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (exited !== undefined) throw new DevServerStartError(`Temporal dev server exited (code ${exited}) before it was ready:`, output.join(''));
    const reason = await notReady();
    if (reason === null) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new DevServerStartError(`Temporal dev server not ready at ${address} in time: ${reason}`, output.join(''));
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    address,
    uiUrl: opts.headless ? undefined : `http://${ip === '0.0.0.0' ? '127.0.0.1' : ip}:${opts.uiPort ?? port + 1000}`,
    process: child,
    async stop() {
      if (exited !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(timer);
    },
  };
}
