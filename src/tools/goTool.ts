// Tools the project builds itself from the Go module proxy (the Temporal CLI, MinIO, the
// compose validator): found on PATH or in the cache folder, else `go install`ed there once,
// with progress, into a temp GOBIN and renamed atomically.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.KLINGFLOW_CACHE_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'klingflow');
}

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export interface GoInstall {
  go: string;
  module: string;
  version: string;
  binary: string;
  target: string;
  label: string;
  log: (m: string) => void;
  env: NodeJS.ProcessEnv;
}

/** go install into a temp GOBIN, then an atomic rename: concurrent first runs cannot see half a binary. */
export async function goInstall({ go, module, version, binary, target, label, log, env }: GoInstall): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const gobin = await mkdtemp(path.join(path.dirname(target), '.build-'));
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  log(`klingflow: building ${label} with Go (first run only; minutes on 2 cores with empty Go caches) into ${path.dirname(target)}`);
  let downloads = 0;
  let lastDownloadAt = 0;
  const ticker = setInterval(() => {
    const phase =
      Date.now() - lastDownloadAt < 5_000 ? `fetching modules, ${downloads} so far` : downloads > 0 ? `compiling, ${downloads} modules fetched` : 'compiling';
    log(`klingflow: … still building ${label} (${seconds()} s, ${phase})`);
  }, 15_000);
  try {
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(go, ['install', `${module}@${version}`], {
        env: { ...env, GOBIN: gobin, GOFLAGS: `${env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (chunk: Buffer) => {
        const text = chunk.toString();
        const fetched = text.split('go: downloading').length - 1;
        if (fetched > 0) {
          downloads += fetched;
          lastDownloadAt = Date.now();
        }
        output.push(text);
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`go install ${module}@${version} failed after ${seconds()} s (exit ${code}):\n${output.join('').slice(-4000)}`);
    await rename(path.join(gobin, binary), target);
    log(`klingflow: ${label} ready after ${seconds()} s: ${target}`);
  } finally {
    clearInterval(ticker);
    await rm(gobin, { recursive: true, force: true });
  }
}
