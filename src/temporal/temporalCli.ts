// Finds the Temporal CLI (which embeds the dev server and its Web UI), building it from
// the Go module proxy on first use. Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the
// cache folder, then `go install` into the cache folder.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const MODULE = 'github.com/temporalio/cli/cmd/temporal';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KLINGFLOW_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'klingflow');
}

export function cachedCliPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheRoot(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface ResolveOptions {
  cliPath?: string;
  log?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export async function resolveTemporalCli({ cliPath, log = (m) => console.error(m), env = process.env }: ResolveOptions = {}): Promise<string> {
  if (cliPath) {
    if (!isExecutable(cliPath)) throw new Error(`TEMPORAL_CLI_PATH=${cliPath} is not an executable file`);
    return cliPath;
  }
  const fromPath = onPath('temporal', env);
  if (fromPath) return fromPath;
  const cached = cachedCliPath(env);
  if (isExecutable(cached)) return cached;
  const go = onPath('go', env);
  if (!go) {
    throw new Error(
      'The Temporal CLI was not found and Go is not installed to build it. Install Go (https://go.dev/dl) ' +
        'or the Temporal CLI (https://docs.temporal.io/cli), or set TEMPORAL_CLI_PATH or TEMPORAL_ADDRESS.',
    );
  }
  await buildCli(go, cached, log, env);
  return cached;
}

/** go install into a temp GOBIN, then an atomic rename: concurrent first runs cannot see half a binary. */
async function buildCli(go: string, target: string, log: (m: string) => void, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const gobin = await mkdtemp(path.join(path.dirname(target), '.build-'));
  const started = Date.now();
  log(`klingflow: building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go (first run only, a few minutes) into ${path.dirname(target)}`);
  let downloads = 0;
  const ticker = setInterval(() => {
    log(`klingflow: … still building the Temporal CLI (${Math.round((Date.now() - started) / 1000)} s, ${downloads} modules fetched)`);
  }, 15_000);
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', `${MODULE}@${TEMPORAL_CLI_VERSION}`], {
        env: { ...env, GOBIN: gobin, GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (chunk: Buffer) => {
        const text = chunk.toString();
        downloads += text.split('go: downloading').length - 1;
        output.push(text);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`go install ${MODULE}@${TEMPORAL_CLI_VERSION} failed (exit ${code}):\n${output.join('').slice(-4000)}`);
    await rename(path.join(gobin, 'temporal'), target);
    log(`klingflow: Temporal CLI ready after ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}
